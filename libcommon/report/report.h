#pragma once
// The Markdown report over many metrics files: per dataset, a table like the paper's Table 1, the argmax
// decision table, and the figures (Fig. 3 training size, Fig. 5 CAM threshold, Fig. 6 lambda).
#include <string>
#include <vector>

#include "io/provenance.h"
#include "report/metrics_file.h"

namespace due {

struct ReportOptions {
  std::string out_path;  // report.md; figures are written beside it as <stem>-<figure>-<dataset>.png
  Provenance provenance;
};

struct ReportSummary {
  std::vector<std::string> files;  // everything written, report.md last
  std::size_t datasets = 0, configurations = 0, figures_drawn = 0;
};

ReportSummary write_report(std::vector<MetricsRecord> records, const ReportOptions& options);

}  // namespace due
