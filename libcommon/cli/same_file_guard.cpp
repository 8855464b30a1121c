#include "cli/same_file_guard.h"

#include <filesystem>
#include <system_error>

#include "util/errors.h"

namespace po = boost::program_options;

namespace due {
namespace {

// Every option through which a tool names a file it reads. The runner knows them, so a tool declares nothing:
// whichever of them it has and was given are inputs. A new input option of a tool belongs here.
const char* const kInputFileOptions[] = {"config",   "data",        "model",        "variance", "npvae",
                                         "annotations", "explanations", "feedback", "metrics",  "merge"};

// What a training stage writes beside --out while it trains (nn/checkpoint.h, nn/training_log.h). The training
// stages are the tools with --resume, which continues from OUT.checkpoint.
const char* const kTrainingSideFileSuffixes[] = {".checkpoint", ".log.csv"};

// The values of a string option or of a repeatable one (--metrics A B, --merge A B).
std::vector<std::string> values_of(const po::variable_value& value) {
  if (const auto* one = boost::any_cast<std::string>(&value.value())) return {*one};
  if (const auto* many = boost::any_cast<std::vector<std::string>>(&value.value())) return *many;
  return {};
}

}  // namespace

bool same_existing_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  const bool same = std::filesystem::equivalent(a, b, ec);
  return same && !ec;
}

void refuse_outputs_over_inputs(const std::vector<OutputFile>& outputs, const std::vector<FileArgument>& inputs) {
  for (const OutputFile& output : outputs) {
    for (const FileArgument& input : inputs) {
      if (!same_existing_file(output.path, input.path)) continue;
      const FileArgument& out = output.named_by;
      const std::string written = output.path == out.path ? "is" : "writes " + output.path + ", which is";
      throw UsageError(out.flag + " " + out.path + " " + written + " the same file as " + input.flag + " (" +
                       input.path + "); choose another output");
    }
  }
}

std::vector<FileArgument> input_files_named(const po::variables_map& options) {
  std::vector<FileArgument> inputs;
  for (const char* name : kInputFileOptions) {
    if (!options.count(name)) continue;
    for (const std::string& path : values_of(options[name])) inputs.push_back({std::string("--") + name, path});
  }
  return inputs;
}

std::vector<OutputFile> output_files_named(const po::variables_map& options,
                                           const po::options_description& tool_options) {
  if (!options.count("out")) return {};
  const FileArgument out{"--out", options["out"].as<std::string>()};
  std::vector<OutputFile> outputs{{out, out.path}};
  if (tool_options.find_nothrow("resume", false)) {
    for (const char* suffix : kTrainingSideFileSuffixes) outputs.push_back({out, out.path + suffix});
  }
  return outputs;
}

}  // namespace due
