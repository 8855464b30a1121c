#pragma once
#include <string>

namespace due {

struct ToolContext;

// due-sample-variance: fills every gap of every positive of `data_path` T times with the interpolator at
// `model_path` and writes the per-voxel mean and variance to `out_path`. Returns the exit status.
int run_sample_variance(ToolContext& context, const std::string& data_path, const std::string& model_path,
                        const std::string& out_path);

}  // namespace due
