#include "metrics/slice_scoring.h"

#include <algorithm>
#include <stdexcept>

namespace due {
namespace {

bool any_foreground(const std::uint8_t* mask, std::size_t voxels) {
  return std::any_of(mask, mask + voxels, [](std::uint8_t m) { return m != 0; });
}

}  // namespace

std::size_t middle_slice(std::size_t depth) { return depth / 2; }

std::vector<float> slice_map_in_volume(const float* slice_map, const VolumeShape& shape, std::size_t slice) {
  if (slice >= shape.depth) throw std::invalid_argument("slice_map_in_volume: slice outside the volume");
  const std::size_t plane = shape.height * shape.width;
  std::vector<float> volume(shape.voxels(), 0.f);
  std::copy(slice_map, slice_map + plane, volume.begin() + static_cast<std::ptrdiff_t>(slice * plane));
  return volume;
}

SliceVolumeAccumulator::SliceVolumeAccumulator(const std::vector<double>& thresholds, double reported_threshold,
                                               const VolumeShape& shape, std::size_t slice)
    : shape_(shape),
      slice_(slice),
      on_slice_(thresholds, reported_threshold),
      on_volume_(thresholds, reported_threshold) {
  if (slice >= shape.depth) throw std::invalid_argument("slice scoring: the scored slice lies outside the volume");
}

void SliceVolumeAccumulator::add(const float* cam, const std::uint8_t* mask) {
  const std::size_t plane = shape_.height * shape_.width, offset = slice_ * plane;
  on_volume_.add(cam, mask, shape_.voxels());
  on_slice_.add(cam + offset, mask + offset, plane);
  empty_volume_references_ += !any_foreground(mask, shape_.voxels());
  empty_slice_references_ += !any_foreground(mask + offset, plane);
}

}  // namespace due
