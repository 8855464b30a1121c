#pragma once
// Every method is scored twice, on the volume and on one slice. A 2D method (HAICS, GRADIA, RES-G) sees and
// explains only the middle slice, so against the whole 3D lesion its recall is capped at that slice's share of
// it; on the slice it is scored like the paper scores it. The 3D methods are cut at the same slice (their map as
// it is, not renormalised, so the threshold means the same attention level as in their volume score), which puts
// all six on one footing. One rule for the slice, used by training (validation), due-explain (it records the
// slice in explanations.h5) and due-evaluate (it reads it back and never guesses).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/dataset_store.h"
#include "metrics/explanation.h"

namespace due {

// The depth index a 2D network sees and every method is scored on: the middle slice, depth / 2.
std::size_t middle_slice(std::size_t depth);

// A 2D method's map (H*W) as a volume map: in its slice, zero elsewhere (what due-explain writes).
std::vector<float> slice_map_in_volume(const float* slice_map, const VolumeShape& shape, std::size_t slice);

// The slice and volume scores of positive samples, at a list of thresholds (see ExplanationAccumulator).
class SliceVolumeAccumulator {
 public:
  // `slice` < shape.depth (std::invalid_argument otherwise).
  SliceVolumeAccumulator(const std::vector<double>& thresholds, double reported_threshold, const VolumeShape& shape,
                         std::size_t slice);
  // `cam` and `mask` D*H*W: the volume scores from all of them, the slice scores from slice `slice()` of both
  // (the slice reference is the full mask on that slice).
  void add(const float* cam, const std::uint8_t* mask);
  std::size_t slice() const { return slice_; }
  const ExplanationAccumulator& on_slice() const { return on_slice_; }
  const ExplanationAccumulator& on_volume() const { return on_volume_; }
  // Positives whose reference is empty on the slice (their slice scores are 0) / in the whole volume.
  std::size_t empty_slice_references() const { return empty_slice_references_; }
  std::size_t empty_volume_references() const { return empty_volume_references_; }

 private:
  VolumeShape shape_;
  std::size_t slice_;
  ExplanationAccumulator on_slice_, on_volume_;
  std::size_t empty_slice_references_ = 0, empty_volume_references_ = 0;
};

}  // namespace due
