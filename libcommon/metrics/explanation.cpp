#include "metrics/explanation.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "metrics/classification.h"

namespace due {

OverlapScores overlap_scores(const OverlapCounts& c) {
  const double tp = static_cast<double>(c.true_positive), fp = static_cast<double>(c.false_positive),
               fn = static_cast<double>(c.false_negative);
  OverlapScores s;
  s.iou = ratio_or_zero(tp, tp + fp + fn);
  s.precision = ratio_or_zero(tp, tp + fp);
  s.recall = ratio_or_zero(tp, tp + fn);
  s.f1 = ratio_or_zero(2 * tp, 2 * tp + fp + fn);
  return s;
}

std::vector<OverlapCounts> overlap_counts(const float* cam, const std::uint8_t* mask, std::size_t voxels,
                                          const std::vector<double>& thresholds) {
  for (std::size_t k = 0; k < thresholds.size(); ++k) {
    if (!std::isfinite(thresholds[k])) throw std::invalid_argument("explanation metrics: threshold not finite");
    if (k > 0 && !(thresholds[k] > thresholds[k - 1]))
      throw std::invalid_argument("explanation metrics: thresholds must be strictly increasing");
  }
  const std::size_t levels = thresholds.size();
  // above[j][m]: voxels whose CAM exceeds exactly the first j thresholds, with mask value m. A voxel exceeds
  // threshold k exactly when it exceeds at least k + 1 of them, so suffix sums give every threshold's counts.
  std::vector<std::uint64_t> above_in_mask(levels + 1, 0), above_outside(levels + 1, 0);
  for (std::size_t v = 0; v < voxels; ++v) {
    const double value = cam[v];
    const std::size_t exceeded = static_cast<std::size_t>(
        std::lower_bound(thresholds.begin(), thresholds.end(), value) - thresholds.begin());
    (mask[v] ? above_in_mask : above_outside)[exceeded] += 1;
  }
  std::uint64_t mask_total = 0;
  for (std::uint64_t n : above_in_mask) mask_total += n;
  std::vector<OverlapCounts> counts(levels);
  std::uint64_t in_mask = 0, outside = 0;
  for (std::size_t k = levels; k-- > 0;) {
    in_mask += above_in_mask[k + 1];
    outside += above_outside[k + 1];
    counts[k].true_positive = in_mask;
    counts[k].false_positive = outside;
    counts[k].false_negative = mask_total - in_mask;
  }
  return counts;
}

ExplanationAccumulator::ExplanationAccumulator(std::vector<double> thresholds, double reported_threshold)
    : thresholds_(std::move(thresholds)), sums_(thresholds_.size()) {
  const auto found = std::find(thresholds_.begin(), thresholds_.end(), reported_threshold);
  if (found == thresholds_.end())
    throw std::invalid_argument("explanation metrics: the reported threshold is not among the swept ones");
  reported_index_ = static_cast<std::size_t>(found - thresholds_.begin());
}

void ExplanationAccumulator::add(const float* cam, const std::uint8_t* mask, std::size_t voxels) {
  const std::vector<OverlapCounts> counts = overlap_counts(cam, mask, voxels, thresholds_);
  for (std::size_t k = 0; k < counts.size(); ++k) {
    const OverlapScores s = overlap_scores(counts[k]);
    sums_[k].iou += s.iou;
    sums_[k].precision += s.precision;
    sums_[k].recall += s.recall;
    sums_[k].f1 += s.f1;
    if (k == reported_index_) per_sample_.push_back(s);
  }
  ++samples_;
}

std::vector<ExplanationScores> ExplanationAccumulator::sweep() const {
  std::vector<ExplanationScores> result(thresholds_.size());
  for (std::size_t k = 0; k < thresholds_.size(); ++k) {
    result[k].threshold = thresholds_[k];
    result[k].samples = samples_;
    if (samples_ == 0) {
      const double nan = std::nan("");
      result[k].mean = {nan, nan, nan, nan};
      continue;
    }
    const double n = static_cast<double>(samples_);
    result[k].mean = {sums_[k].iou / n, sums_[k].precision / n, sums_[k].recall / n, sums_[k].f1 / n};
  }
  return result;
}

ExplanationScores ExplanationAccumulator::reported() const { return sweep()[reported_index_]; }

}  // namespace due
