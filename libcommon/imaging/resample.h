#pragma once
// Cutting a block out of a scan: a grid of the block's size and spacing, aligned with the scan's axes and centred
// on a physical point, sampled by ITK (linear for intensities, nearest neighbour for masks).
#include <cstdint>
#include <vector>

#include "io/volume_geometry.h"

namespace due {

VolumeGeometry centred_grid(const VolumeGeometry& scan, const Point3& centre, const VolumeShape& shape,
                            const std::array<double, 3>& spacing);

std::vector<float> resample_linear(const std::vector<float>& values, const VolumeGeometry& from,
                                   const VolumeGeometry& to, float outside);
std::vector<std::uint8_t> resample_nearest(const std::vector<std::uint8_t>& values, const VolumeGeometry& from,
                                           const VolumeGeometry& to);

}  // namespace due
