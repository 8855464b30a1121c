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

// Calls visit(name, field) for every field, under the name files store it by (HDF5 attributes, checkpoint
// metadata), so the writers and readers of provenance share one list of fields. `P` is Provenance or const
// Provenance; seed is the one integer field.
template <class P, class Visitor>
void for_each_provenance_field(P& p, Visitor&& visit) {
  visit("tool", p.tool);
  visit("version", p.version);
  visit("git_hash", p.git_hash);
  visit("seed", p.seed);
  visit("config", p.config_yaml);
  visit("command_line", p.command_line);
  visit("created", p.created);
}

// Fills tool, version, git hash and time; the caller sets seed, config and command line.
Provenance make_provenance(const std::string& tool);

}  // namespace due
