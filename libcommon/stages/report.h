#pragma once
#include <string>
#include <vector>

namespace due {

struct ToolContext;

// due-evaluate --report: aggregates metrics.json files into `out_path` (report.md) and figures beside it.
// Returns the exit status.
int run_report(ToolContext& context, const std::vector<std::string>& metrics_paths, const std::string& out_path);

}  // namespace due
