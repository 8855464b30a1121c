#pragma once
// What every output file records about how it was made.
#include <cstdint>
#include <string>

namespace due {

struct Provenance {
  std::string tool;          // "due-preprocess"
  std::string version;       // toolkit version
  std::string git_hash;      // commit the binary was built from ("-dirty" when the tree had changes)
  std::int64_t seed = 0;
  std::string config_yaml;   // the full effective configuration
  std::string command_line;  // as typed
  std::string created;       // local time stamp
};

// Fills tool, version, git hash and time; the caller sets seed, config and command line.
Provenance make_provenance(const std::string& tool);

}  // namespace due
