#include "metrics/classification.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace due {
namespace {

constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();

void check_labels(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  if (scores.size() != labels.size())
    throw std::invalid_argument("metrics: " + std::to_string(scores.size()) + " scores but " +
                                std::to_string(labels.size()) + " labels");
  for (std::uint8_t label : labels)
    if (label > 1) throw std::invalid_argument("metrics: labels must be 0 or 1, got " + std::to_string(label));
  for (double score : scores)
    if (!std::isfinite(score)) throw std::invalid_argument("metrics: a score is not finite");
}

// Cumulative true and false positives after each distinct threshold, scores taken in decreasing order.
struct CurvePoint {
  double true_positives, false_positives;
};

std::vector<CurvePoint> threshold_curve(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  check_labels(scores, labels);
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  std::vector<CurvePoint> curve;
  double tp = 0, fp = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    (labels[order[k]] ? tp : fp) += 1;
    const bool last_of_tie = k + 1 == order.size() || scores[order[k + 1]] != scores[order[k]];
    if (last_of_tie) curve.push_back({tp, fp});
  }
  return curve;
}

}  // namespace

double roc_auc(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  const std::vector<CurvePoint> curve = threshold_curve(scores, labels);
  if (curve.empty()) return kUndefined;
  const double positives = curve.back().true_positives, negatives = curve.back().false_positives;
  if (positives == 0 || negatives == 0) return kUndefined;
  double area = 0, previous_tpr = 0, previous_fpr = 0;
  for (const CurvePoint& point : curve) {
    const double tpr = point.true_positives / positives, fpr = point.false_positives / negatives;
    area += (fpr - previous_fpr) * (tpr + previous_tpr) / 2;
    previous_tpr = tpr;
    previous_fpr = fpr;
  }
  return area;
}

double average_precision(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  const std::vector<CurvePoint> curve = threshold_curve(scores, labels);
  if (curve.empty() || curve.back().true_positives == 0) return kUndefined;
  const double positives = curve.back().true_positives;
  double area = 0, previous_recall = 0;
  for (const CurvePoint& point : curve) {
    const double recall = point.true_positives / positives;
    const double precision = point.true_positives / (point.true_positives + point.false_positives);
    area += (recall - previous_recall) * precision;
    previous_recall = recall;
  }
  return area;
}

double pr_auc_trapezoid(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  const std::vector<CurvePoint> curve = threshold_curve(scores, labels);
  if (curve.empty() || curve.back().true_positives == 0) return kUndefined;
  const double positives = curve.back().true_positives;
  double area = 0, previous_recall = 0, previous_precision = 1;
  for (const CurvePoint& point : curve) {
    const double recall = point.true_positives / positives;
    const double precision = point.true_positives / (point.true_positives + point.false_positives);
    area += (recall - previous_recall) * (precision + previous_precision) / 2;
    previous_recall = recall;
    previous_precision = precision;
  }
  return area;
}

ConfusionCounts confusion_counts(const std::vector<std::uint8_t>& predicted, const std::vector<std::uint8_t>& labels) {
  if (predicted.size() != labels.size())
    throw std::invalid_argument("metrics: " + std::to_string(predicted.size()) + " predictions but " +
                                std::to_string(labels.size()) + " labels");
  ConfusionCounts c;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] > 1 || predicted[i] > 1) throw std::invalid_argument("metrics: classes must be 0 or 1");
    if (labels[i]) (predicted[i] ? c.true_positive : c.false_negative) += 1;
    else (predicted[i] ? c.false_positive : c.true_negative) += 1;
  }
  return c;
}

double ratio_or_zero(double numerator, double denominator) { return denominator == 0 ? 0.0 : numerator / denominator; }

ClassificationMetrics classification_metrics(const std::vector<double>& scores,
                                             const std::vector<std::uint8_t>& predicted,
                                             const std::vector<std::uint8_t>& labels) {
  ClassificationMetrics m;
  m.confusion = confusion_counts(predicted, labels);
  m.roc_auc = roc_auc(scores, labels);
  m.average_precision = average_precision(scores, labels);
  m.pr_auc_trapezoid = pr_auc_trapezoid(scores, labels);
  const ConfusionCounts& c = m.confusion;
  const double tp = c.true_positive, fp = c.false_positive, tn = c.true_negative, fn = c.false_negative;
  m.samples = labels.size();
  m.positives = c.true_positive + c.false_negative;
  m.accuracy = labels.empty() ? kUndefined : (tp + tn) / static_cast<double>(labels.size());
  m.precision = ratio_or_zero(tp, tp + fp);
  m.recall = ratio_or_zero(tp, tp + fn);
  m.f1 = ratio_or_zero(2 * tp, 2 * tp + fp + fn);
  m.specificity = ratio_or_zero(tn, tn + fp);
  return m;
}

}  // namespace due
