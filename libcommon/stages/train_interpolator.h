#pragma once
#include <string>

namespace due {

struct ToolContext;

// due-train-interpolator: trains the diffusion interpolator on the annotated slices of the training positives of
// `data_path` (never the slices between them, the hidden truth) and writes
// `out_path` (EMA weights), `out_path`.checkpoint and `out_path`.log.csv. With `resume`, continues from the
// checkpoint's step. Returns the exit status.
int run_train_interpolator(ToolContext& context, const std::string& data_path, const std::string& out_path,
                           bool resume);

}  // namespace due
