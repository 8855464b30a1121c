#pragma once
#include <array>
#include <vector>

#include "io/dataset_store.h"

namespace due {

// Gaussian smoothing in physical units (ITK's recursive Gaussian), in place. `spacing_mm` is (z, y, x);
// the buffer is z-major with x fastest, as every volume in this toolkit.
void gaussian_smooth(std::vector<float>& volume, const VolumeShape& shape, const std::array<double, 3>& spacing_mm,
                     double sigma_mm);

// Limits ITK's own threading (each sample is smoothed on one thread when samples run in parallel).
void set_itk_threads(int threads);

}  // namespace due
