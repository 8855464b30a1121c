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

// The free uncertainty any learnt one has to beat (impute.uncertainty: blend): on each gap's missing slices the
// Bernoulli variance p (1 - p) of the linear blend p of its two boundary slices (nonzero only where the
// boundaries disagree, largest half way); 0 on annotated slices and outside gaps.
std::vector<float> boundary_blend_variance(const std::vector<float>& sparse, const VolumeShape& shape,
                                           const std::vector<std::uint8_t>& annotated_slices);

// Shape-based interpolation: signed distance maps of the two boundary masks (ITK, in mm with `spacing_mm` as
// (z, y, x)), blended linearly and thresholded at 0, so a contour moves and changes smoothly across the gap
// instead of fading. An empty boundary counts as far outside, so the shape shrinks towards it. Output is 0/1.
std::vector<float> interpolate_shape(const std::vector<float>& sparse, const VolumeShape& shape,
                                     const std::vector<std::uint8_t>& annotated_slices,
                                     const std::array<double, 3>& spacing_mm);

// Shape-based interpolation between two boundary slices at any relative position, with the boundaries'
// distance maps computed once (interpolate_shape, and the diffusion interpolator's shape prior channel). Slices
// are `height` x `width` values, foreground where >= 0.5; `spacing_yx` in mm.
class ShapeBlend {
 public:
  ShapeBlend(const float* before, const float* after, std::size_t height, std::size_t width,
             const std::array<double, 2>& spacing_yx);
  // The 0/1 slice at relative position t (0 at `before`, 1 at `after`) into `out` (height * width values).
  void slice(double t, float* out) const;

 private:
  std::size_t pixels_ = 0;
  bool both_empty_ = false;  // two empty boundaries: every slice between them is empty
  std::vector<float> before_, after_;  // signed distances (an empty boundary: distance to the other's centroid)
};

// Slices outside every gap (before the first or after the last annotated slice) take their nearest annotated
// slice, as every imputation does. Applied by both interpolators above.
void carry_to_slices_outside_gaps(std::vector<float>& volume, const VolumeShape& shape,
                                  const std::vector<std::uint8_t>& annotated_slices);

}  // namespace due
