#include "stages/evaluate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>

#include "cli/logging.h"
#include "cli/progress.h"
#include "cli/tool.h"
#include "io/stage_files.h"
#include "io/text_output.h"
#include "metrics/slice_scoring.h"
#include "report/metrics_file.h"
#include "util/errors.h"

namespace due {
namespace {

// The value at a dotted key of a YAML document, or "" when the text is not YAML or has no scalar there.
std::string yaml_scalar(const std::string& text, const std::string& dotted_key) {
  try {
    YAML::Node node = YAML::Load(text);
    std::size_t start = 0;
    while (node && start <= dotted_key.size()) {
      const std::size_t dot = dotted_key.find('.', start);
      const std::string part = dotted_key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!node.IsMap()) return "";
      node = node[part];
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return node && node.IsScalar() ? node.Scalar() : "";
  } catch (const YAML::Exception&) {
    return "";
  }
}

std::string attribute_or_empty(const StageFileReader& file, const std::string& name) {
  return file.has_attribute(name) ? file.attribute(name) : std::string();
}

std::map<std::string, std::string> tags_from_files(const DatasetReader& dataset, const ExplanationReader& explanations) {
  std::map<std::string, std::string> tags;
  tags["dataset"] = yaml_scalar(dataset.provenance().config_yaml, "preprocess.source");
  const std::vector<std::uint8_t> splits = dataset.splits();
  tags["train_size"] = std::to_string(std::count(splits.begin(), splits.end(), std::uint8_t{kTrain}));
  tags["split"] = attribute_or_empty(explanations, "split");
  for (const char* name : {"method", "interpolator", "uncertainty", "lambda"})
    tags[name] = attribute_or_empty(explanations, name);
  const std::string classifier_config = attribute_or_empty(explanations, "classifier_config");
  tags["seed"] = yaml_scalar(classifier_config, "seed");
  if (tags["seed"].empty()) tags["seed"] = std::to_string(explanations.provenance().seed);
  // The classifier's own settings, where explanations.h5 does not name them itself.
  if (tags["method"].empty()) tags["method"] = yaml_scalar(classifier_config, "classifier.method");
  if (tags["lambda"].empty()) tags["lambda"] = yaml_scalar(classifier_config, "classifier.lambda");
  return tags;
}

void apply_tag_assignments(std::map<std::string, std::string>& tags, const std::vector<std::string>& assignments) {
  for (const std::string& assignment : assignments) {
    const std::size_t equals = assignment.find('=');
    const std::string key = assignment.substr(0, equals);
    const bool valid_key = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
    if (equals == std::string::npos || !valid_key)
      throw UsageError("--tag '" + assignment + "': expected key=value with a key of a-z, 0-9 and _");
    tags[key] = assignment.substr(equals + 1);
  }
}

// The sweep with the reported threshold in it, sorted; each in [0, 1).
std::vector<double> sweep_thresholds(const Config& config, double reported) {
  std::vector<double> thresholds = config.get_floats("evaluate.thresholds");
  thresholds.push_back(reported);
  for (double t : thresholds)
    if (!(t >= 0.0 && t < 1.0)) config.fail("evaluate.thresholds", "thresholds must lie in [0, 1)");
  std::sort(thresholds.begin(), thresholds.end());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  return thresholds;
}

// predictions.csv beside metrics.json (<stem>-predictions.csv for another stem): one row per evaluated sample,
// id, label, predicted class, probability of class 1, and for positives the explanation scores at the reported
// threshold (empty for negatives, which have no reference).
std::string write_predictions_file(const MetricsRecord& record, const ExplanationReader& explanations,
                                   const std::vector<double>& scores, const std::string& out_path) {
  const std::filesystem::path json_path(out_path);
  const std::string stem = json_path.stem().string();
  const std::string path =
      (json_path.parent_path() / (stem == "metrics" ? "predictions.csv" : stem + "-predictions.csv")).string();
  std::map<std::string, std::pair<OverlapScores, OverlapScores>> positives;  // id -> (volume, slice)
  for (const SampleExplanationScores& s : record.volume.per_sample) positives[s.id].first = s.scores;
  for (const SampleExplanationScores& s : record.slice.per_sample) positives[s.id].second = s.scores;
  const auto number = [](double v) {
    if (!std::isfinite(v)) return std::string();
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", v);
    return std::string(text);
  };
  std::string csv = "id,label,predicted,probability,iou_volume,f1_volume,iou_slice,f1_slice\n";
  const std::vector<std::uint8_t> labels = explanations.labels();
  const std::vector<std::uint8_t> predicted = explanations.predicted();
  for (std::size_t row = 0; row < explanations.size(); ++row) {
    const std::string& id = explanations.ids()[row];
    const bool quoted = id.find_first_of(",\"\n\r") != std::string::npos;
    std::string id_field = id;
    if (quoted) {
      id_field = "\"";
      for (char c : id) id_field += c == '"' ? std::string("\"\"") : std::string(1, c);
      id_field += "\"";
    }
    csv += id_field + "," + std::to_string(labels[row]) + "," + std::to_string(predicted[row]) + "," +
           number(scores[row]);
    const auto found = positives.find(id);
    if (labels[row] == 1 && found != positives.end()) {
      const auto& [volume, slice] = found->second;
      csv += "," + number(volume.iou) + "," + number(volume.f1) + "," + number(slice.iou) + "," + number(slice.f1);
    } else {
      csv += ",,,,";
    }
    csv += "\n";
  }
  write_text_file_atomically(path, csv);
  return path;
}

}  // namespace

int run_evaluate(ToolContext& context, const std::string& dataset_path, const std::string& explanations_path,
                 const std::string& out_path, const std::vector<std::string>& tag_assignments) {
  if (dataset_path.empty()) throw UsageError("--data FILE (dataset.h5) is required");
  if (explanations_path.empty()) throw UsageError("--explanations FILE (explanations.h5) is required");
  if (out_path.empty()) throw UsageError("--out FILE (metrics.json) is required");
  const Config& config = context.config;
  const double reported_threshold = config.get_float("evaluate.threshold");
  if (!(reported_threshold >= 0.0 && reported_threshold < 1.0)) config.fail("evaluate.threshold", "must lie in [0, 1)");
  const std::vector<double> thresholds = sweep_thresholds(config, reported_threshold);

  MetricsRecord record;
  std::map<std::string, std::string> overrides;
  apply_tag_assignments(overrides, tag_assignments);  // checked before any file is read
  const DatasetReader dataset(dataset_path);
  const ExplanationReader explanations(explanations_path);
  if (!(explanations.shape() == dataset.layout().shape))
    throw InputError(explanations_path + ": CAM volumes do not have the shape of " + dataset_path + "'s samples");
  if (explanations.size() == 0) throw InputError(explanations_path + ": has no samples");

  const std::vector<std::string> dataset_ids = dataset.ids();
  std::map<std::string, std::size_t> dataset_row;
  for (std::size_t i = 0; i < dataset_ids.size(); ++i) dataset_row.emplace(dataset_ids[i], i);
  const std::vector<std::uint8_t> dataset_labels = dataset.labels();
  const std::vector<std::uint8_t> labels = explanations.labels();
  const std::vector<std::uint8_t> predicted = explanations.predicted();
  const std::vector<float> probabilities = explanations.probabilities();
  std::vector<std::size_t> matched_rows(explanations.size());
  std::vector<double> scores(explanations.size());
  for (std::size_t row = 0; row < explanations.size(); ++row) {
    const std::string& id = explanations.ids()[row];
    const auto found = dataset_row.find(id);
    if (found == dataset_row.end())
      throw InputError(explanations_path + ": sample '" + id + "' is not in " + dataset_path);
    if (dataset_labels[found->second] != labels[row])
      throw InputError(explanations_path + ": sample '" + id + "' has label " + std::to_string(labels[row]) + " but " +
                       dataset_path + " says " + std::to_string(dataset_labels[found->second]));
    matched_rows[row] = found->second;
    scores[row] = probabilities[2 * row + 1];
    if (!std::isfinite(scores[row]) || predicted[row] > 1)
      throw InputError(explanations_path + ": sample '" + id + "' has an invalid probability or predicted class");
  }
  record.classification = classification_metrics(scores, predicted, labels);

  const VolumeShape shape = dataset.layout().shape;
  // The slice recorded by due-explain (metrics/slice_scoring.h): a 2D method's own, the same middle slice for 3D.
  const std::size_t slice = explanations.score_slice();
  SliceVolumeAccumulator accumulator(thresholds, reported_threshold, shape, slice);
  std::vector<std::uint8_t> mask(shape.voxels());
  std::vector<std::string> positive_ids;
  Progress progress("explanations", record.classification.positives, "samples");
  for (std::size_t row = 0; row < explanations.size(); ++row) {
    if (labels[row] != 1) continue;
    const ExplanationRow explanation = explanations.read(row);
    if (!std::all_of(explanation.cam.begin(), explanation.cam.end(), [](float v) { return std::isfinite(v); }))
      throw InputError(explanations_path + ": the CAM of sample '" + explanation.id + "' has non-finite values");
    dataset.file().read_rows("mask", matched_rows[row], 1, mask.data());
    accumulator.add(explanation.cam.data(), mask.data());
    positive_ids.push_back(explanation.id);
    progress.advance();
  }
  progress.finish();
  if (accumulator.empty_volume_references() > 0)
    log_warn(accumulator.empty_volume_references(), " positive sample(s) have an empty reference mask in ",
             dataset_path, ": their explanation scores are 0 (IoU of an empty union)");
  if (accumulator.empty_slice_references() > 0)
    log_warn(accumulator.empty_slice_references(), " of ", positive_ids.size(),
             " positive sample(s) have no reference on the scored slice ", slice,
             ": their slice scores are 0 (the lesion misses the slice the 2D methods see)");
  const auto scoring = [&](const ExplanationAccumulator& scored, std::size_t empty_references) {
    ExplanationScoring out;
    out.reported = scored.reported();
    out.sweep = scored.sweep();
    for (std::size_t k = 0; k < positive_ids.size(); ++k) out.per_sample.push_back({positive_ids[k], scored.per_sample()[k]});
    out.empty_references = empty_references;
    return out;
  };
  record.scored_slice = static_cast<long>(slice);
  record.slice = scoring(accumulator.on_slice(), accumulator.empty_slice_references());
  record.volume = scoring(accumulator.on_volume(), accumulator.empty_volume_references());

  record.tags = tags_from_files(dataset, explanations);
  for (const auto& [key, value] : overrides) record.tags[key] = value;
  record.dataset_path = dataset_path;
  record.explanations_path = explanations_path;
  record.provenance = context.provenance();
  // A run on degenerate data is not a result: say so here and in the report (docs/workflow.md, "Degenerate runs").
  const std::vector<std::uint8_t> splits = dataset.splits();
  const ClassificationMetrics& counts = record.classification;
  if (std::count(splits.begin(), splits.end(), std::uint8_t{kValidation}) == 0)
    record.warnings.push_back("the validation split is empty: the classifier's epoch was not chosen on validation");
  if (counts.positives == 0)
    record.warnings.push_back("the evaluated split has no positive sample: explanation scores, ROC-AUC and PR-AUC "
                              "are undefined");
  else if (counts.positives == counts.samples)
    record.warnings.push_back("the evaluated split has no negative sample: ROC-AUC and PR-AUC say nothing");
  for (const std::string& warning : record.warnings) log_warn(out_path, ": ", warning);
  const std::string csv_path = write_metrics_files(record, out_path);
  const std::string predictions_path = write_predictions_file(record, explanations, scores, out_path);

  const ClassificationMetrics& c = record.classification;
  log_info("wrote ", out_path, ", ", csv_path, " and ", predictions_path, ": ", c.samples, " samples (", c.positives, " positive), accuracy ",
           c.accuracy, ", ROC-AUC ", c.roc_auc, ", AP ", c.average_precision, "; explanation IoU ",
           record.slice.reported.mean.iou, " on slice ", slice, ", ", record.volume.reported.mean.iou,
           " on the volume (F1 ", record.slice.reported.mean.f1, ", ", record.volume.reported.mean.f1, ") at threshold ",
           reported_threshold,
           " (method ", record.tag("method"), ", seed ", record.tag("seed"), ")");
  return kExitOk;
}

}  // namespace due
