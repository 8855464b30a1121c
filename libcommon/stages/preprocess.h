#pragma once
#include <string>

namespace due {

struct ToolContext;

// due-preprocess: builds dataset.h5 from the configured source (phantom for now) at `out_path`.
// Returns the exit status.
int run_preprocess(ToolContext& context, const std::string& out_path);

}  // namespace due
