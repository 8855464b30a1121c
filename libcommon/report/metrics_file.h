#pragma once
// metrics.json and metrics.csv, the files due-evaluate writes per run and the report reads back
// (layout in docs/evaluation.md). Tags (dataset, method, seed, ...) are strings; undefined metrics are null.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "io/provenance.h"
#include "metrics/classification.h"
#include "metrics/explanation.h"

namespace due {

inline constexpr const char* kMetricsSchema = "due-metrics";
inline constexpr int kMetricsSchemaVersion = 1;

// The tags every metrics file carries, in this order in metrics.csv (more may follow, sorted by name).
const std::vector<std::string>& standard_tags();

struct SampleExplanationScores {
  std::string id;
  OverlapScores scores;
};

struct MetricsRecord {
  std::map<std::string, std::string> tags;
  std::string dataset_path, explanations_path;  // the inputs, as given to due-evaluate
  ClassificationMetrics classification;
  ExplanationScores explanation;                // at the reported threshold, over positive samples
  std::vector<ExplanationScores> sweep;         // the threshold sweep
  std::vector<SampleExplanationScores> per_sample;  // positives, at the reported threshold
  Provenance provenance;
  std::string source_path;                      // the file a record was read from (not written)

  std::string tag(const std::string& name) const;  // "" when absent
};

std::string metrics_json(const MetricsRecord& record);
std::string metrics_csv(const MetricsRecord& record);
// Parses metrics.json text; InputError naming `origin` when it is not a metrics file of this schema.
MetricsRecord parse_metrics_json(const std::string& text, const std::string& origin);
MetricsRecord read_metrics_file(const std::string& path);
// Writes `json_path` and, beside it, the CSV with the same stem (metrics.json -> metrics.csv), each atomically.
// Returns the CSV's path.
std::string write_metrics_files(const MetricsRecord& record, const std::string& json_path);

// The scalar metrics a report aggregates, by key.
struct MetricDefinition {
  std::string key;    // "roc_auc"
  std::string title;  // "ROC-AUC"
  double (*value)(const MetricsRecord&);
};
const std::vector<MetricDefinition>& scalar_metrics();
const MetricDefinition& scalar_metric(const std::string& key);  // std::out_of_range when unknown

}  // namespace due
