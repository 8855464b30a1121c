#pragma once
// The MAGI noise protocol: each rater's annotation made worse in a known way, by moving its boundary outward
// (flipping background voxels next to the mask) or inward (flipping mask voxels next to the background), layer by
// layer. With a known noise per rater, the learned annotator weights can be checked against the noise.
#include <cstdint>
#include <random>
#include <vector>

#include "io/dataset_store.h"

namespace due {

class Config;

struct BoundaryNoise {
  // > 0: move the boundary outward by this many voxel layers (dilation); < 0: inward (erosion); 0: unchanged.
  std::int64_t steps = 0;
  // Share of each boundary layer that is flipped, drawn at random per step. 1: every voxel of the layer, i.e.
  // exact binary dilation/erosion with the 6-neighbour cross, `steps` times.
  double fraction = 1.0;
};

struct RaterNoiseSettings {
  bool enabled = false;
  std::vector<BoundaryNoise> per_rater;  // by rater slot; slots beyond the list are left unchanged
};

// Reads preprocess.rater_noise.* (enabled, steps, fraction; the two lists have the same length).
RaterNoiseSettings rater_noise_from(const Config& config);

// Moves one binary mask's boundary (6-connectivity; voxels beyond the volume count as background).
void move_mask_boundary(std::vector<std::uint8_t>& mask, const VolumeShape& shape, const BoundaryNoise& noise,
                        std::mt19937_64& rng);

// Applies the protocol to every present rater of a sample (its /mask, the clean reference, is left as it is).
// Does nothing when the settings are off. The result depends only on (seed, sample content).
void apply_rater_noise(DatasetSample& sample, const VolumeShape& shape, const RaterNoiseSettings& settings,
                       std::uint64_t seed);

}  // namespace due
