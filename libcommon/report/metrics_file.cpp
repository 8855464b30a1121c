#include "report/metrics_file.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "io/text_output.h"
#include "util/errors.h"

namespace due {
namespace {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

double number_from(const json& node, const char* key) {
  const json& value = node.at(key);
  if (value.is_null()) return kNaN;
  if (!value.is_number()) throw std::invalid_argument(std::string("'") + key + "' is not a number");
  return value.get<double>();
}

json overlap_json(const OverlapScores& s) {
  return {{"iou", number(s.iou)}, {"precision", number(s.precision)}, {"recall", number(s.recall)},
          {"f1", number(s.f1)}};
}

OverlapScores overlap_from(const json& node) {
  return {number_from(node, "iou"), number_from(node, "precision"), number_from(node, "recall"),
          number_from(node, "f1")};
}

json scoring_json(const ExplanationScoring& scoring) {
  json sweep = json::array();
  for (const ExplanationScores& s : scoring.sweep) {
    json entry = overlap_json(s.mean);
    entry["threshold"] = s.threshold;
    sweep.push_back(entry);
  }
  json per_sample = json::array();
  for (const SampleExplanationScores& s : scoring.per_sample) {
    json entry = overlap_json(s.scores);
    entry["id"] = s.id;
    per_sample.push_back(entry);
  }
  json node = overlap_json(scoring.reported.mean);
  node["empty_references"] = scoring.empty_references;
  node["sweep"] = sweep;
  node["per_sample"] = per_sample;
  return node;
}

// One scoring's means, sweep and per-sample scores from `node` (a version-2 "slice"/"volume" object, or a
// version-1 "explanation" object, which has the same fields but no count of empty references).
ExplanationScoring scoring_from(const json& node, double threshold, std::size_t samples) {
  ExplanationScoring scoring;
  scoring.reported.threshold = threshold;
  scoring.reported.samples = samples;
  scoring.reported.mean = overlap_from(node);
  if (node.contains("empty_references")) scoring.empty_references = node.at("empty_references").get<std::size_t>();
  for (const json& s : node.at("sweep")) {
    ExplanationScores scores;
    scores.threshold = s.at("threshold").get<double>();
    scores.samples = samples;
    scores.mean = overlap_from(s);
    scoring.sweep.push_back(scores);
  }
  for (const json& s : node.at("per_sample"))
    scoring.per_sample.push_back({s.at("id").get<std::string>(), overlap_from(s)});
  return scoring;
}

std::string csv_field(const std::string& value) {
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string quoted = "\"";
  for (char c : value) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_number(double value) {
  if (!std::isfinite(value)) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

std::string threshold_name(double threshold) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", threshold);
  return text;
}

}  // namespace

const std::vector<std::string>& standard_tags() {
  static const std::vector<std::string> tags{"experiment", "dataset",      "method",      "seed", "train_size",
                                             "lambda",     "interpolator", "uncertainty", "split"};
  return tags;
}

std::string MetricsRecord::tag(const std::string& name) const {
  const auto found = tags.find(name);
  return found == tags.end() ? std::string() : found->second;
}

std::string metrics_json(const MetricsRecord& r) {
  const ClassificationMetrics& c = r.classification;
  json explanation = {{"threshold", r.volume.reported.threshold},
                      {"samples", r.volume.reported.samples},
                      {"slice_index", r.scored_slice < 0 ? json(nullptr) : json(r.scored_slice)},
                      {"slice", scoring_json(r.slice)},
                      {"volume", scoring_json(r.volume)}};
  const Provenance& p = r.provenance;
  json document = {
      {"schema", kMetricsSchema},
      {"schema_version", kMetricsSchemaVersion},
      {"tags", r.tags},
      {"inputs", {{"dataset", r.dataset_path}, {"explanations", r.explanations_path}}},
      {"classification",
       {{"samples", c.samples},
        {"positives", c.positives},
        {"accuracy", number(c.accuracy)},
        {"roc_auc", number(c.roc_auc)},
        {"average_precision", number(c.average_precision)},
        {"pr_auc_trapezoid", number(c.pr_auc_trapezoid)},
        {"precision", number(c.precision)},
        {"recall", number(c.recall)},
        {"f1", number(c.f1)},
        {"specificity", number(c.specificity)},
        {"confusion",
         {{"true_positive", c.confusion.true_positive},
          {"false_positive", c.confusion.false_positive},
          {"true_negative", c.confusion.true_negative},
          {"false_negative", c.confusion.false_negative}}}}},
      {"explanation", explanation}};
  if (!r.warnings.empty()) document["warnings"] = r.warnings;
  // Under the names every file stores provenance by (io/provenance.h); json objects sort their keys.
  json provenance = json::object();
  for_each_provenance_field(p, [&](const char* name, const auto& value) { provenance[name] = value; });
  document["provenance"] = provenance;
  return document.dump(2) + "\n";
}

namespace {

std::vector<std::pair<std::string, std::string>> metrics_csv_columns(const MetricsRecord& r) {
  std::vector<std::pair<std::string, std::string>> columns;
  for (const std::string& name : standard_tags()) columns.emplace_back(name, r.tag(name));
  for (const auto& [name, value] : r.tags) {
    bool standard = false;
    for (const std::string& s : standard_tags()) standard = standard || s == name;
    if (!standard) columns.emplace_back(name, value);
  }
  const ClassificationMetrics& c = r.classification;
  columns.emplace_back("samples", std::to_string(c.samples));
  columns.emplace_back("positives", std::to_string(c.positives));
  for (const MetricDefinition& metric : scalar_metrics()) columns.emplace_back(metric.key, csv_number(metric.value(r)));
  columns.emplace_back("true_positive", std::to_string(c.confusion.true_positive));
  columns.emplace_back("false_positive", std::to_string(c.confusion.false_positive));
  columns.emplace_back("true_negative", std::to_string(c.confusion.true_negative));
  columns.emplace_back("false_negative", std::to_string(c.confusion.false_negative));
  columns.emplace_back("explanation_threshold", csv_number(r.volume.reported.threshold));
  columns.emplace_back("explanation_samples", std::to_string(r.volume.reported.samples));
  columns.emplace_back("scored_slice", r.scored_slice < 0 ? std::string() : std::to_string(r.scored_slice));
  columns.emplace_back("empty_slice_references", std::to_string(r.slice.empty_references));
  columns.emplace_back("empty_volume_references", std::to_string(r.volume.empty_references));
  const std::pair<const char*, double OverlapScores::*> sweep_scores[] = {{"iou", &OverlapScores::iou},
                                                                         {"precision", &OverlapScores::precision},
                                                                         {"recall", &OverlapScores::recall},
                                                                         {"f1", &OverlapScores::f1}};
  for (const auto& [where, scoring] : {std::pair<const char*, const ExplanationScoring*>{"slice", &r.slice},
                                       std::pair<const char*, const ExplanationScoring*>{"volume", &r.volume}}) {
    for (const auto& [score, member] : sweep_scores) {
      for (const ExplanationScores& s : scoring->sweep)
        columns.emplace_back(std::string(score) + "_" + where + "@" + threshold_name(s.threshold),
                             csv_number(s.mean.*member));
    }
  }
  columns.emplace_back("tool", r.provenance.tool);
  columns.emplace_back("version", r.provenance.version);
  columns.emplace_back("git_hash", r.provenance.git_hash);
  columns.emplace_back("created", r.provenance.created);
  columns.emplace_back("explanations", r.explanations_path);
  columns.emplace_back("dataset_file", r.dataset_path);
  std::string warnings;
  for (const std::string& w : r.warnings) warnings += (warnings.empty() ? "" : " | ") + w;
  columns.emplace_back("warnings", warnings);
  return columns;
}

}  // namespace

std::string metrics_csv(const MetricsRecord& r) {
  const std::vector<std::pair<std::string, std::string>> columns = metrics_csv_columns(r);
  std::string header, row;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    header += (i ? "," : "") + csv_field(columns[i].first);
    row += (i ? "," : "") + csv_field(columns[i].second);
  }
  return header + "\n" + row + "\n";
}

std::string results_csv(const std::vector<MetricsRecord>& records) {
  std::vector<std::string> names;
  std::vector<std::map<std::string, std::string>> rows;
  for (const MetricsRecord& r : records) {
    std::map<std::string, std::string> row;
    for (const auto& [name, value] : metrics_csv_columns(r)) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
      row[name] = value;
    }
    row["metrics_file"] = r.source_path;
    rows.push_back(std::move(row));
  }
  names.insert(names.begin(), "metrics_file");
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) text += (i ? "," : "") + csv_field(names[i]);
  text += "\n";
  for (const auto& row : rows) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto found = row.find(names[i]);
      text += (i ? "," : "") + csv_field(found == row.end() ? std::string() : found->second);
    }
    text += "\n";
  }
  return text;
}

MetricsRecord parse_metrics_json(const std::string& text, const std::string& origin) {
  try {
    const json document = json::parse(text);
    if (!document.is_object() || document.value("schema", std::string()) != kMetricsSchema)
      throw std::invalid_argument(std::string("not a metrics file (schema '") + kMetricsSchema + "' expected)");
    const int version = document.at("schema_version").get<int>();
    if (version != 1 && version != kMetricsSchemaVersion)
      throw std::invalid_argument("schema version " + std::to_string(version) + " is not supported (expected 1 to " +
                                  std::to_string(kMetricsSchemaVersion) + ")");
    MetricsRecord r;
    r.source_path = origin;
    for (const auto& [name, value] : document.at("tags").items())
      r.tags[name] = value.is_string() ? value.get<std::string>() : value.dump();
    r.dataset_path = document.at("inputs").at("dataset").get<std::string>();
    r.explanations_path = document.at("inputs").at("explanations").get<std::string>();
    const json& c = document.at("classification");
    ClassificationMetrics& m = r.classification;
    m.samples = c.at("samples").get<std::size_t>();
    m.positives = c.at("positives").get<std::size_t>();
    m.accuracy = number_from(c, "accuracy");
    m.roc_auc = number_from(c, "roc_auc");
    m.average_precision = number_from(c, "average_precision");
    m.pr_auc_trapezoid = number_from(c, "pr_auc_trapezoid");
    m.precision = number_from(c, "precision");
    m.recall = number_from(c, "recall");
    m.f1 = number_from(c, "f1");
    m.specificity = number_from(c, "specificity");
    const json& confusion = c.at("confusion");
    m.confusion.true_positive = confusion.at("true_positive").get<std::size_t>();
    m.confusion.false_positive = confusion.at("false_positive").get<std::size_t>();
    m.confusion.true_negative = confusion.at("true_negative").get<std::size_t>();
    m.confusion.false_negative = confusion.at("false_negative").get<std::size_t>();
    const json& e = document.at("explanation");
    const double threshold = e.at("threshold").get<double>();
    const std::size_t samples = e.at("samples").get<std::size_t>();
    if (version == 1) {  // scored on the volume only
      r.volume = scoring_from(e, threshold, samples);
      r.slice.reported.threshold = threshold;
      r.slice.reported.samples = samples;
      r.slice.reported.mean = {kNaN, kNaN, kNaN, kNaN};
    } else {
      r.scored_slice = e.at("slice_index").is_null() ? -1 : e.at("slice_index").get<long>();
      r.slice = scoring_from(e.at("slice"), threshold, samples);
      r.volume = scoring_from(e.at("volume"), threshold, samples);
    }
    const json& p = document.at("provenance");
    r.provenance.tool = p.at("tool").get<std::string>();
    r.provenance.version = p.at("version").get<std::string>();
    r.provenance.git_hash = p.at("git_hash").get<std::string>();
    r.provenance.seed = p.at("seed").get<std::int64_t>();
    r.provenance.threads = p.value("threads", std::int64_t{0});  // absent before the field existed
    r.provenance.config_yaml = p.at("config").get<std::string>();
    r.provenance.command_line = p.at("command_line").get<std::string>();
    r.provenance.created = p.at("created").get<std::string>();
    // Optional: metrics files from before the SLURM fields existed have none.
    r.provenance.slurm_job_id = p.value("slurm_job_id", std::string());
    r.provenance.slurm_step_id = p.value("slurm_step_id", std::string());
    if (document.contains("warnings")) r.warnings = document.at("warnings").get<std::vector<std::string>>();
    return r;
  } catch (const json::exception& e) {
    std::string message = e.what();
    const std::size_t bracket = message.find("] ");
    if (bracket != std::string::npos) message = message.substr(bracket + 2);
    throw InputError(origin + ": not a valid metrics file: " + message);
  } catch (const std::invalid_argument& e) {
    throw InputError(origin + ": " + e.what());
  }
}

MetricsRecord read_metrics_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the metrics file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_metrics_json(text.str(), path);
}

std::string write_metrics_files(const MetricsRecord& record, const std::string& json_path) {
  const std::string csv_path = std::filesystem::path(json_path).replace_extension(".csv").string();
  if (csv_path == json_path) throw UsageError("--out " + json_path + ": the metrics file needs a .json name");
  // metrics.json is make's target: renamed after its companion, so a run killed between the renames leaves no
  // metrics.json without metrics.csv.
  write_text_files_atomically({{csv_path, metrics_csv(record)}, {json_path, metrics_json(record)}});
  return csv_path;
}

const std::vector<MetricDefinition>& scalar_metrics() {
  static const std::vector<MetricDefinition> metrics{
      {"accuracy", "Accuracy", [](const MetricsRecord& r) { return r.classification.accuracy; }},
      {"roc_auc", "ROC-AUC", [](const MetricsRecord& r) { return r.classification.roc_auc; }},
      {"average_precision", "PR-AUC (AP)", [](const MetricsRecord& r) { return r.classification.average_precision; }},
      {"pr_auc_trapezoid", "PR-AUC (trapezoid)",
       [](const MetricsRecord& r) { return r.classification.pr_auc_trapezoid; }},
      {"precision", "Precision", [](const MetricsRecord& r) { return r.classification.precision; }},
      {"recall", "Recall", [](const MetricsRecord& r) { return r.classification.recall; }},
      {"f1", "F1", [](const MetricsRecord& r) { return r.classification.f1; }},
      {"specificity", "Specificity", [](const MetricsRecord& r) { return r.classification.specificity; }},
      {"iou_slice", "IoU (slice)", [](const MetricsRecord& r) { return r.slice.reported.mean.iou; }},
      {"precision_slice", "Exp. precision (slice)",
       [](const MetricsRecord& r) { return r.slice.reported.mean.precision; }},
      {"recall_slice", "Exp. recall (slice)", [](const MetricsRecord& r) { return r.slice.reported.mean.recall; }},
      {"f1_slice", "Exp. F1 (slice)", [](const MetricsRecord& r) { return r.slice.reported.mean.f1; }},
      {"iou_volume", "IoU (volume)", [](const MetricsRecord& r) { return r.volume.reported.mean.iou; }},
      {"precision_volume", "Exp. precision (volume)",
       [](const MetricsRecord& r) { return r.volume.reported.mean.precision; }},
      {"recall_volume", "Exp. recall (volume)", [](const MetricsRecord& r) { return r.volume.reported.mean.recall; }},
      {"f1_volume", "Exp. F1 (volume)", [](const MetricsRecord& r) { return r.volume.reported.mean.f1; }},
  };
  return metrics;
}

const MetricDefinition& scalar_metric(const std::string& key) {
  for (const MetricDefinition& metric : scalar_metrics())
    if (metric.key == key) return metric;
  throw std::out_of_range("no metric '" + key + "'");
}

}  // namespace due
