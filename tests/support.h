#pragma once
// Helpers the tests share: scratch folders, running the built tools, small real dataset files.
#include <string>
#include <vector>

#include "io/dataset_store.h"

namespace due::test {

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Names of the entries in the folder, sorted.
  std::vector<std::string> entries() const;

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs a shell command line and captures its output.
CommandResult run_command(const std::string& command_line);
// Path of a built tool, e.g. tool_path("preprocess").
std::string tool_path(const std::string& stage);

std::string read_text(const std::string& path);
void write_text(const std::string& path, const std::string& text);

// A small phantom dataset.h5 made by due-preprocess in `dir` under `name` (10 patients of 8 x 16 x 16 voxels, one
// thread, the default seed, plus `extra_options`), as the tool tests use; REQUIREs that it was written and
// returns its path.
std::string small_phantom_dataset(const ScratchDir& dir, const std::string& name = "dataset.h5",
                                  const std::string& extra_options = "");

// A variance.h5 at `out` for the positives of `dataset` whose rows are made here, not by the diffusion model: the
// linear blend p of the boundary slices as the mean and p (1 - p) as the variance (that of a voxel drawn 0/1 with
// probability p). Input for the NP-VAE and imputation tools without a trained interpolator.
void write_blend_variance(const std::string& dataset, const std::string& out);

// The real LIDC-IDRI sample (../shared/data/lidc-sample beside the checkout), or "" when it is missing and
// DUE_LIDC_SAMPLE_MAY_BE_MISSING=1 (then it prints "SKIPPED: ..." and CTest reports the lidc_sample entry as
// Skipped, tests/CMakeLists.txt); missing without that, the calling test fails. Cases that call it carry the
// tag [lidc-sample], which keeps them out of their file's entry and in lidc_sample.
std::string lidc_sample_root();

// A sample with distinct, index-dependent content in every field, for round trips.
DatasetSample make_test_sample(const DatasetLayout& layout, std::size_t index);

}  // namespace due::test
