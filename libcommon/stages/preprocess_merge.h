#pragma once
// due-preprocess --merge: joins the partial files of due-preprocess --shard K/N into one dataset.h5 and only then
// assigns the patient splits, so the result equals a single-process run's file sample for sample.
#include <string>
#include <vector>

namespace due {

struct ToolContext;

// Refuses (InputError, exit 2, naming the file) a part that is not a shard, a missing or duplicated shard, and parts
// of different runs (N, patient count, config apart from threads/device/log_level, seed, build, source or layout).
// Writes `out_path` atomically with the parts' config and seed in its provenance and the list of parts in the
// attribute /merged_from; for the real-data sources, preprocess_report.json beside it sums the parts' reports.
int run_preprocess_merge(ToolContext& context, const std::vector<std::string>& parts, const std::string& out_path);

}  // namespace due
