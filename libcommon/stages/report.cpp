#include "stages/report.h"

#include "cli/logging.h"
#include "cli/tool.h"
#include "report/report.h"
#include "util/errors.h"

namespace due {

int run_report(ToolContext& context, const std::vector<std::string>& metrics_paths, const std::string& out_path) {
  if (out_path.empty()) throw UsageError("--out FILE (report.md) is required");
  if (metrics_paths.empty()) throw UsageError("--report needs --metrics FILE...");
  std::vector<MetricsRecord> records;
  for (const std::string& path : metrics_paths) records.push_back(read_metrics_file(path));
  ReportOptions options;
  options.out_path = out_path;
  options.provenance = context.provenance();
  const ReportSummary summary = write_report(std::move(records), options);
  log_info("wrote ", out_path, ": ", metrics_paths.size(), " runs, ", summary.configurations, " configurations in ",
           summary.datasets, " dataset(s), ", summary.figures_drawn, " figures");
  return kExitOk;
}

}  // namespace due
