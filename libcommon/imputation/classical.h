#pragma once
// Interpolators that need no training, the baselines beside the diffusion model: each fills the missing slices
// of every gap from the gap's two annotated boundary slices and leaves annotated slices untouched.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "io/dataset_store.h"

namespace due {

// Per-voxel linear blend: slice z of a gap is (1 - t) * before + t * after, t its relative position.
std::vector<float> interpolate_linear(const std::vector<float>& sparse, const VolumeShape& shape,
                                      const std::vector<std::uint8_t>& annotated_slices);

// Shape-based interpolation: signed distance maps of the two boundary masks (ITK, in mm with `spacing_mm` as
// (z, y, x)), blended linearly and thresholded at 0, so a contour moves and changes smoothly across the gap
// instead of fading. An empty boundary counts as far outside, so the shape shrinks towards it. Output is 0/1.
std::vector<float> interpolate_shape(const std::vector<float>& sparse, const VolumeShape& shape,
                                     const std::vector<std::uint8_t>& annotated_slices,
                                     const std::array<double, 3>& spacing_mm);

// Slices outside every gap (before the first or after the last annotated slice) take their nearest annotated
// slice, as every imputation does. Applied by both interpolators above.
void carry_to_slices_outside_gaps(std::vector<float>& volume, const VolumeShape& shape,
                                  const std::vector<std::uint8_t>& annotated_slices);

}  // namespace due
