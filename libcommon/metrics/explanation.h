#pragma once
// Explanation metrics: how well a Grad-CAM binarised at a threshold overlaps the reference annotation.
//
// Binarisation is strict, cam > t, so the sweep's threshold 0.0 keeps the CAM's support (voxels with any
// attention) instead of the whole volume. Per sample, with TP = |C and M|, FP = |C \ M|, FN = |M \ C|:
//   IoU = TP / (TP + FP + FN), 0 when the union is empty (the paper's rule);
//   precision = TP / (TP + FP), 0 when the binarised CAM is empty (it points at nothing, so earns nothing);
//   recall = TP / (TP + FN), 0 when the reference is empty;
//   F1 = 2 TP / (2 TP + FP + FN), 0 when TP = 0.
// False positives are voxels the CAM marks outside the reference: the published code's precision cannot see
// them (its formula makes false positives impossible with 0/1 masks); this one does.
// Scores are averaged over samples (each sample counts once, whatever its lesion's size).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace due {

struct OverlapCounts {
  std::uint64_t true_positive = 0, false_positive = 0, false_negative = 0;
};

struct OverlapScores {
  double iou = 0, precision = 0, recall = 0, f1 = 0;
};

OverlapScores overlap_scores(const OverlapCounts& counts);

// Counts at every threshold in one pass over the voxels. `thresholds` must be strictly increasing
// (std::invalid_argument otherwise); a mask voxel is foreground when non-zero.
std::vector<OverlapCounts> overlap_counts(const float* cam, const std::uint8_t* mask, std::size_t voxels,
                                          const std::vector<double>& thresholds);

// Mean scores over samples at one threshold.
struct ExplanationScores {
  double threshold = 0;
  OverlapScores mean;
  std::size_t samples = 0;
};

// Accumulates samples for a fixed list of thresholds and keeps each sample's scores at one of them.
class ExplanationAccumulator {
 public:
  // `reported_threshold` must be one of `thresholds` (std::invalid_argument otherwise).
  ExplanationAccumulator(std::vector<double> thresholds, double reported_threshold);
  void add(const float* cam, const std::uint8_t* mask, std::size_t voxels);
  std::size_t samples() const { return samples_; }
  // One entry per threshold, in the given order.
  std::vector<ExplanationScores> sweep() const;
  // The means at the reported threshold.
  ExplanationScores reported() const;
  // Per-sample scores at the reported threshold, in the order added.
  const std::vector<OverlapScores>& per_sample() const { return per_sample_; }

 private:
  std::vector<double> thresholds_;
  std::size_t reported_index_ = 0;
  std::vector<OverlapScores> sums_;
  std::vector<OverlapScores> per_sample_;
  std::size_t samples_ = 0;
};

}  // namespace due
