#pragma once
// An output written over one of the tool's own inputs destroys that input: the finished output is renamed over
// it, or a training log truncates it. The tool runner refuses such a command line before any work, comparing
// files by identity (device and inode), not by spelling, so a symlink or a hard link is no way around it.
#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace due {

// A file named on the command line: the flag ("--data") and the path as given.
struct FileArgument {
  std::string flag;
  std::string path;
};

// A file a tool writes: the flag that names it (--out) and the path written, which is the flag's own value or a
// side file derived from it (OUT.checkpoint, OUT.log.csv).
struct OutputFile {
  FileArgument named_by;
  std::string path;
};

// True when both paths name one existing file: symlinks are followed and hard links are the same file. A path
// that does not exist (an output not written yet) is the same file as nothing.
bool same_existing_file(const std::string& a, const std::string& b);

// Throws UsageError naming both flags and the file for the first output that is one of the inputs, e.g.
// "--out x.h5 is the same file as --data (x.h5); choose another output".
void refuse_outputs_over_inputs(const std::vector<OutputFile>& outputs, const std::vector<FileArgument>& inputs);

// The files the parsed command line names as inputs (--config and the tools' input options, each value of a
// repeatable one) and as outputs (--out, with the checkpoint and log of a training stage, i.e. a tool that
// declares --resume): what the tool runner hands to refuse_outputs_over_inputs.
std::vector<FileArgument> input_files_named(const boost::program_options::variables_map& options);
std::vector<OutputFile> output_files_named(const boost::program_options::variables_map& options,
                                           const boost::program_options::options_description& tool_options);

}  // namespace due
