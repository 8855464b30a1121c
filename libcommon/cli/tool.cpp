#include "cli/tool.h"

#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>

#include <c10/util/Exception.h>

#include "cli/config_schema.h"
#include "cli/logging.h"
#include "cli/same_file_guard.h"
#include "io/atomic_output.h"
#include "io/output_paths.h"
#include "nn/stop_request.h"
#include "util/build_info.h"
#include "util/errors.h"
#include "util/text.h"
#include "util/torch_runtime.h"

namespace po = boost::program_options;

namespace due {
namespace {

std::string quote_argument(const std::string& argument) {
  if (!argument.empty() && argument.find_first_of(" \t\n'\"\\$`*?[]{}()<>|;&!#~") == std::string::npos)
    return argument;
  std::string quoted = "'";
  for (char c : argument) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}


std::string g_terminate_tool = "due";

[[noreturn]] void on_terminate() {
  std::cerr << g_terminate_tool << ": internal error: terminated unexpectedly" << std::endl;
  std::_Exit(kExitInternal);
}

}  // namespace

Provenance ToolContext::provenance() const {
  Provenance p = make_provenance(tool);
  p.seed = static_cast<std::int64_t>(seed);
  p.threads = threads;
  p.config_yaml = config.to_yaml();
  p.command_line = command_line;
  return p;
}

std::string ToolContext::option(const std::string& name) const {
  return options.count(name) ? options[name].as<std::string>() : std::string();
}

ToolCli::ToolCli(std::string tool, std::string summary)
    : tool_(std::move(tool)),
      summary_(std::move(summary)),
      tool_options_("Options"),
      common_options_("Common options") {
  common_options_.add_options()
      ("help,h", "show this help and exit")
      ("version", "show the version and exit")
      ("config,c", po::value<std::string>()->value_name("FILE"), "experiment config (YAML), e.g. pipelines/phantom.yaml")
      ("set", po::value<std::vector<std::string>>()->value_name("KEY=VALUE")->composing(),
       "override one config key (repeatable), e.g. --set preprocess.phantom.patients=10")
      ("print-config", "print the effective config (defaults < file < flags < --set) and exit")
      ("seed", po::value<std::string>()->value_name("N"), "random seed (config: seed)")
      ("device", po::value<std::string>()->value_name("DEV"), "auto | cpu | cuda | cuda:N (config: device)")
      ("threads", po::value<std::string>()->value_name("N"), "CPU threads, 0 = all cores (config: threads)")
      ("log-level", po::value<std::string>()->value_name("LEVEL"),
       "debug | info | warn | error | quiet (config: log_level)");
}

void ToolCli::add_config_flag(const std::string& flag, const std::string& key, const std::string& help) {
  tool_options_.add_options()(flag.c_str(), po::value<std::string>()->value_name("VALUE"),
                              (help + " (config: " + key + ")").c_str());
  config_flags_.emplace_back(flag, key);
}

void ToolCli::add_switch_flag(const std::string& flag, const std::string& key, const std::string& help) {
  tool_options_.add_options()(flag.c_str(), (help + " (config: " + key + ")").c_str());
  switch_flags_.emplace_back(flag, key);
}

std::string ToolCli::help_text() const {
  std::ostringstream out;
  out << "Usage: " << tool_ << " [options]\n\n" << summary_ << "\n\n";
  if (!tool_options_.options().empty()) out << tool_options_ << '\n';
  out << common_options_;
  if (!epilog_.empty()) out << '\n' << epilog_ << '\n';
  out << "\nExit status: 0 success, 2 bad input or usage, 1 internal failure.\n";
  return out.str();
}

int ToolCli::run(int argc, char** argv, const std::function<int(ToolContext&)>& body) {
  g_terminate_tool = tool_;
  std::set_terminate(on_terminate);
  set_log_tool_name(tool_);
  try {
    po::options_description all;
    all.add(tool_options_).add(common_options_);
    po::variables_map vm;
    // No tool takes positional arguments: a stray word (a path without its --flag) is an error, not ignored.
    const po::positional_options_description no_positional;
    // Full option names only: Boost would otherwise take --epoch or --e for --epochs, so a typo or a later option
    // sharing the prefix would silently change what runs.
    const int no_guessing = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(argc, argv).options(all).positional(no_positional).style(no_guessing).run(), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << help_text();
      return kExitOk;
    }
    if (vm.count("version")) {
      std::cout << tool_ << ' ' << version() << " (" << git_hash() << ")\n";
      return kExitOk;
    }

    // Before anything is read or written: an --out that is one of the inputs would be renamed over it.
    // Nor a folder: refused here, not when the finished output is renamed after the work (training: epochs).
    const std::vector<OutputFile> outputs = output_files_named(vm, tool_options_);
    refuse_outputs_over_inputs(outputs, input_files_named(vm));
    for (const OutputFile& output : outputs) refuse_folder_as_output_file(output.named_by.flag, output.path);

    ToolContext context{tool_, Config(toolkit_config_schema()), vm, "", 0, 1, "cpu"};
    std::ostringstream command_line;
    for (int i = 0; i < argc; ++i) command_line << (i ? " " : "") << quote_argument(argv[i]);
    context.command_line = command_line.str();

    Config& config = context.config;
    if (vm.count("config")) config.merge_file(vm["config"].as<std::string>());
    for (const auto& [flag, key] : config_flags_) {
      if (vm.count(flag)) config.set(key, vm[flag].as<std::string>(), "--" + flag);
    }
    for (const auto& [flag, key] : switch_flags_) {
      if (vm.count(flag)) config.set(key, "true", "--" + flag);
    }
    for (const char* flag : {"seed", "device", "threads"}) {
      if (vm.count(flag)) config.set(flag, vm[flag].as<std::string>(), std::string("--") + flag);
    }
    if (vm.count("log-level")) config.set("log_level", vm["log-level"].as<std::string>(), "--log-level");
    if (vm.count("set")) {
      for (const std::string& assignment : vm["set"].as<std::vector<std::string>>()) config.apply_assignment(assignment);
    }
    if (vm.count("print-config")) {
      std::cout << config.to_yaml();
      return kExitOk;
    }

    try {
      set_log_level(parse_log_level(config.get_string("log_level")));
    } catch (const InputError& e) {
      config.fail("log_level", std::string("is invalid: ") + e.what());
    }

    const std::int64_t seed = config.get_int("seed");
    if (seed < 0) config.fail("seed", "must be >= 0");
    context.seed = static_cast<std::uint64_t>(seed);
    keep_freed_memory();
    const std::int64_t threads = config.get_int("threads");
    if (threads < 0 || threads > max_threads())
      config.fail("threads", "must be in 0.." + std::to_string(max_threads()) + " (0 = all cores; at most " +
                                 std::to_string(kMaxThreadsPerCore) + " per core), got " + std::to_string(threads));
    context.threads = configure_threads(static_cast<int>(threads));
    context.device = resolve_device(config.get_string("device"));
    seed_torch(context.seed);
    install_interrupt_cleanup();
    // One run per output: a second run writing the same --out (two `make` on one RUNS) ends here with exit 2
    // rather than interleave its files with the first's (io/atomic_output.h, OutputLock).
    std::optional<OutputLock> output_lock;
    if (const std::vector<OutputFile> outputs = output_files_named(vm, tool_options_); !outputs.empty())
      output_lock.emplace(outputs.front().path);
    log_debug("threads ", context.threads, ", device ", context.device, ", seed ", context.seed);
    // The output's folder is made, as nnU-Net does: `--out runs/lidc/dataset.h5` needs no mkdir first.
    for (const OutputFile& output : output_files_named(vm, tool_options_)) {
      const std::filesystem::path folder = std::filesystem::path(output.path).parent_path();
      std::error_code error;
      if (!folder.empty()) std::filesystem::create_directories(folder, error);
      if (error)
        throw InputError(output.named_by.flag + " " + output.named_by.path + ": cannot make its folder " +
                         folder.string() + ": " + error.message());
    }
    return body(context);
  } catch (const po::error& e) {
    std::cerr << tool_ << ": error: " << e.what() << " (see --help)" << std::endl;
    return kExitBadInput;
  } catch (const InputError& e) {
    std::cerr << tool_ << ": error: " << e.what() << std::endl;
    return kExitBadInput;
  } catch (const TrainingInterrupted& e) {
    std::cerr << tool_ << ": " << e.what() << std::endl;
    return kExitInterrupted;
  } catch (const c10::Error& e) {
    std::cerr << tool_ << ": internal error: " << first_line(e.what_without_backtrace()) << std::endl;
    return kExitInternal;
  } catch (const std::exception& e) {
    std::cerr << tool_ << ": internal error: " << first_line(e.what()) << std::endl;
    return kExitInternal;
  } catch (...) {
    std::cerr << tool_ << ": internal error: unknown exception" << std::endl;
    return kExitInternal;
  }
}

}  // namespace due
