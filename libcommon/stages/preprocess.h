#pragma once
#include <string>

#include "data/splits.h"

namespace due {

class Config;
struct ToolContext;

// due-preprocess: builds dataset.h5 from the configured source at `out_path`. With `shard` "K/N", only the
// K-th of N contiguous sets of patients, into a partial file for due-preprocess --merge (stages/preprocess_merge.h).
// Returns the exit status.
int run_preprocess(ToolContext& context, const std::string& out_path, const std::string& shard = "");

// preprocess.split.*, range-checked: what the merge reads back from the parts' config too (io.gzip_level:
// stages/output_settings.h).
SplitConfig split_config_from(const Config& config);

// preprocess_report.json in the folder of `out_path` (dataset.h5's report; the merge's too).
std::string preprocess_report_path(const std::string& out_path);

}  // namespace due
