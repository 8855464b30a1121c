#pragma once
// What every due-<stage> executable shares: the common options, the layered config, logging, the runtime
// (threads, device) and the top-level handler that turns every failure into one line and an exit status
// (0 ok, 2 bad input or usage, 1 internal failure).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "cli/config.h"
#include "io/provenance.h"

namespace due {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;
inline constexpr int kExitBadInput = 2;
// A training stage stopped by SIGUSR1/SIGTERM after writing its checkpoint: kExitInterrupted (75) in
// nn/stop_request.h; rerun with --resume.

// What a stage's body gets once options and config are settled.
struct ToolContext {
  std::string tool;
  Config config;
  boost::program_options::variables_map options;
  std::string command_line;
  std::uint64_t seed = 0;
  int threads = 1;
  std::string device;  // resolved: "cpu" or "cuda:N"

  // Provenance for an output file: tool, version, git hash, seed, effective config, command line.
  Provenance provenance() const;
  // The value of a tool-specific option, or "" when not given.
  std::string option(const std::string& name) const;
};

class ToolCli {
 public:
  ToolCli(std::string tool, std::string summary);

  // Tool-specific options (e.g. --out). Use for paths and modes that are not experiment settings.
  boost::program_options::options_description& options() { return tool_options_; }
  // A flag that sets a config key: `--source lidc` is `--set preprocess.source=lidc`.
  void add_config_flag(const std::string& flag, const std::string& key, const std::string& help);
  // A flag without a value that sets a boolean config key to true: `--strict` is `--set preprocess.strict=true`.
  void add_switch_flag(const std::string& flag, const std::string& key, const std::string& help);
  // Extra text after the options in --help (examples, notes).
  void set_epilog(std::string epilog) { epilog_ = std::move(epilog); }

  // Parses, loads the config, sets up logging and runtime, then runs `body` inside the top-level handler.
  int run(int argc, char** argv, const std::function<int(ToolContext&)>& body);

 private:
  std::string help_text() const;

  std::string tool_;
  std::string summary_;
  std::string epilog_;
  boost::program_options::options_description tool_options_;
  boost::program_options::options_description common_options_;
  std::vector<std::pair<std::string, std::string>> config_flags_;  // flag -> key
  std::vector<std::pair<std::string, std::string>> switch_flags_;  // flag -> boolean key
};

}  // namespace due
