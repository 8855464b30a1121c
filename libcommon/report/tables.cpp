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

std::string summary_table(const std::vector<RunGroup>& groups, const std::vector<std::string>& metric_keys,
                          DataSeedRows data_seed_rows) {
  struct Row {
    RunGroup group;
    bool pooled;  // a whole group, not one data seed of it: only these compete for bold
    std::vector<Summary> summaries;
  };
  std::vector<Row> rows;
  for (const RunGroup& group : groups) {
    rows.push_back({group, true, {}});
    if (data_seed_rows == DataSeedRows::beside_pooled) {
      const std::vector<RunGroup> draws = split_by_data_seed(group);
      if (draws.size() > 1)
        for (const RunGroup& draw : draws) rows.push_back({draw, false, {}});
    }
  }
  for (Row& row : rows) {
    for (const std::string& key : metric_keys) {
      const MetricDefinition& metric = scalar_metric(key);
      std::vector<double> values;
      for (const MetricsRecord* run : row.group.runs) values.push_back(metric.value(*run));
      row.summaries.push_back(summarise(values));
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
  for (const Row& row : rows) {
    out << "| " << markdown_cell(row.group.label) << " | " << row.group.runs.size() << " |";
    for (std::size_t m = 0; m < metric_keys.size(); ++m) {
      double best = -INFINITY;
      for (const Row& other : rows)
        if (other.pooled && other.summaries[m].count > 0) best = std::max(best, shown(other.summaries[m].mean));
      const Summary& s = row.summaries[m];
      const bool bold = enough_seeds && row.pooled && s.count > 0 && shown(s.mean) == best;
      out << ' ' << (bold ? "**" + format_summary(s) + "**" : format_summary(s)) << " |";
    }
    out << '\n';
  }
  if (rows.size() > groups.size())
    out << "\nA configuration run on several data draws (data_seed: the phantom draw and the split) has its "
           "pooled row, every run of every draw (Seeds counts them all), and under it one row per draw, "
           "\"(data seed D)\", over that draw's classifier seeds. Only pooled rows are in bold. How far the "
           "draws' rows differ is how much the result depends on the data drawn.\n";
  return out.str();
}

}  // namespace due
