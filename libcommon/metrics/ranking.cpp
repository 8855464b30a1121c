#include "metrics/ranking.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace due {
namespace {

// Cumulative true and false positives at each distinct threshold, highest score first.
struct RankingCurve {
  std::vector<double> true_positives, false_positives;
  double positives = 0, negatives = 0;
};

RankingCurve ranking_curve(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  if (scores.size() != labels.size())
    throw std::invalid_argument("ranking metrics: " + std::to_string(scores.size()) + " scores for " +
                                std::to_string(labels.size()) + " labels");
  for (double s : scores)
    if (std::isnan(s)) throw std::invalid_argument("ranking metrics: a score is NaN");
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  RankingCurve curve;
  double tp = 0, fp = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    (labels[order[i]] ? tp : fp) += 1;
    const bool last_of_tie = i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]];
    if (last_of_tie) {
      curve.true_positives.push_back(tp);
      curve.false_positives.push_back(fp);
    }
  }
  curve.positives = tp;
  curve.negatives = fp;
  return curve;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

double roc_auc(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  const RankingCurve c = ranking_curve(scores, labels);
  if (c.positives == 0 || c.negatives == 0) return kNaN;
  double area = 0, tp_before = 0, fp_before = 0;
  for (std::size_t k = 0; k < c.true_positives.size(); ++k) {
    area += (c.false_positives[k] - fp_before) * (c.true_positives[k] + tp_before) / 2;
    tp_before = c.true_positives[k];
    fp_before = c.false_positives[k];
  }
  return area / (c.positives * c.negatives);
}

double average_precision(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  const RankingCurve c = ranking_curve(scores, labels);
  if (c.positives == 0) return kNaN;
  double sum = 0, recall_before = 0;
  for (std::size_t k = 0; k < c.true_positives.size(); ++k) {
    const double recall = c.true_positives[k] / c.positives;
    const double precision = c.true_positives[k] / (c.true_positives[k] + c.false_positives[k]);
    sum += (recall - recall_before) * precision;
    recall_before = recall;
  }
  return sum;
}

double pr_auc_trapezoid(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  const RankingCurve c = ranking_curve(scores, labels);
  if (c.positives == 0) return kNaN;
  double area = 0, recall_before = 0, precision_before = 1;
  for (std::size_t k = 0; k < c.true_positives.size(); ++k) {
    const double recall = c.true_positives[k] / c.positives;
    const double precision = c.true_positives[k] / (c.true_positives[k] + c.false_positives[k]);
    area += (recall - recall_before) * (precision + precision_before) / 2;
    recall_before = recall;
    precision_before = precision;
  }
  return area;
}

}  // namespace due
