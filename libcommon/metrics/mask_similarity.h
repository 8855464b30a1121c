#pragma once
// How close a (soft) mask is to a reference mask, the measures of MAGI's Table 2: MSE, binary cross-entropy and 3D
// SSIM. Pure functions over D*H*W arrays, values in [0, 1].
#include <array>
#include <cstddef>
#include <cstdint>

namespace due {

// Mean over voxels of (a - b)^2.
double mean_squared_error(const float* a, const float* b, std::size_t voxels);

// Mean over voxels of -(t log p + (1 - t) log(1 - p)), p clamped to [eps, 1 - eps] (binary masks as p would give
// infinities otherwise); t is the reference (0 or 1).
double binary_cross_entropy(const float* probability, const std::uint8_t* reference, std::size_t voxels,
                            double eps = 1e-6);

// SSIM (Wang et al. 2004) with a uniform cubic window of `window` voxels (clamped to each axis's extent), averaged
// over every window position inside the volume; population (co)variances; C1 = (0.01 L)^2, C2 = (0.03 L)^2 with
// L = data_range. dims = {D, H, W}.
double ssim_3d(const float* a, const float* b, const std::array<std::size_t, 3>& dims, std::size_t window = 7,
               double data_range = 1.0);

}  // namespace due
