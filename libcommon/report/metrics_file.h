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
// Version 2 scores explanations on a slice and on the volume; version 1 files (volume only) are still read,
// with their slice scores undefined.
inline constexpr int kMetricsSchemaVersion = 2;

// The tags every metrics file carries, in this order in metrics.csv (more may follow, sorted by name).
const std::vector<std::string>& standard_tags();

struct SampleExplanationScores {
  std::string id;
  OverlapScores scores;
};

// The explanation scores of one scoring (on the slice, or on the volume), over the positive samples.
struct ExplanationScoring {
  ExplanationScores reported;                       // at the reported threshold
  std::vector<ExplanationScores> sweep;             // the threshold sweep
  std::vector<SampleExplanationScores> per_sample;  // positives, at the reported threshold
  std::size_t empty_references = 0;                 // positives whose reference is empty here (scored 0)
};

struct MetricsRecord {
  std::map<std::string, std::string> tags;
  std::string dataset_path, explanations_path;  // the inputs, as given to due-evaluate
  ClassificationMetrics classification;
  // Explanations scored on slice `scored_slice` (2D methods on the slice they explain, 3D methods cut there)
  // and on the whole volume (metrics/slice_scoring.h). A version-1 file has only the volume: scored_slice -1,
  // the slice scores NaN with no sweep.
  long scored_slice = -1;
  ExplanationScoring slice, volume;
  Provenance provenance;
  // What makes the run's numbers doubtful, one sentence each (due-evaluate: an empty validation split, a one-class
  // evaluated split); the report repeats them. Optional in metrics.json ("warnings"), absent from older files.
  std::vector<std::string> warnings;
  std::string source_path;                      // the file a record was read from (not written)

  std::string tag(const std::string& name) const;  // "" when absent
};

std::string metrics_json(const MetricsRecord& record);
std::string metrics_csv(const MetricsRecord& record);
// metrics.csv's columns for many runs: one header (every column of any run, in first-seen order) and one row per
// record, empty where a run has no such column (the report's results.csv, for pandas).
std::string results_csv(const std::vector<MetricsRecord>& records);
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
