#include "report/tables.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace due {
namespace {

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

constexpr int kDecimals = 3;

// The value as the table shows it, so that equal-looking cells tie for the best.
double shown(double value) { return std::round(value * std::pow(10.0, kDecimals)); }

}  // namespace

std::string markdown_cell(const std::string& text) {
  std::string escaped;
  for (char c : text) escaped += c == '|' ? std::string("\\|") : std::string(1, c);
  return escaped;
}

std::string format_summary(const Summary& summary, int decimals) {
  if (summary.count == 0) return "n/a";
  if (summary.count < 2) return fixed(summary.mean, decimals);
  return fixed(summary.mean, decimals) + " ± " + fixed(summary.std, decimals);
}

std::string summary_table(const std::vector<RunGroup>& groups, const std::vector<std::string>& metric_keys) {
  std::vector<std::vector<Summary>> summaries(groups.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (const std::string& key : metric_keys) {
      const MetricDefinition& metric = scalar_metric(key);
      std::vector<double> values;
      for (const MetricsRecord* run : groups[g].runs) values.push_back(metric.value(*run));
      summaries[g].push_back(summarise(values));
    }
  }
  // A best mean over fewer than 3 seeds is noise: no bold then (the report says so).
  bool enough_seeds = groups.size() > 1;
  for (const RunGroup& g : groups) enough_seeds = enough_seeds && g.runs.size() >= kSeedsToBold;
  std::ostringstream out;
  out << "| Method | Seeds |";
  for (const std::string& key : metric_keys) out << ' ' << scalar_metric(key).title << " |";
  out << "\n| --- | ---: |";
  for (std::size_t m = 0; m < metric_keys.size(); ++m) out << " ---: |";
  out << '\n';
  for (std::size_t g = 0; g < groups.size(); ++g) {
    out << "| " << markdown_cell(groups[g].label) << " | " << groups[g].runs.size() << " |";
    for (std::size_t m = 0; m < metric_keys.size(); ++m) {
      double best = -INFINITY;
      for (const auto& row : summaries)
        if (row[m].count > 0) best = std::max(best, shown(row[m].mean));
      const Summary& s = summaries[g][m];
      const bool bold = enough_seeds && s.count > 0 && shown(s.mean) == best;
      out << ' ' << (bold ? "**" + format_summary(s) + "**" : format_summary(s)) << " |";
    }
    out << '\n';
  }
  return out.str();
}

}  // namespace due
