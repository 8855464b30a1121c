#pragma once
// Autoregressive gap filling with the diffusion interpolator, repeated T times for a per-voxel mean and variance.
// A gap's missing slices are generated from its lower boundary upwards, each conditioned on the slice just below
// it (annotated or generated) and the gap's upper boundary, at its relative position between the two. All
// volumes, repeats and gaps that need a slice at the same depth into their gap share one batched reverse process.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "diffusion/samplers.h"
#include "io/dataset_store.h"
#include "models/diffusion_unet.h"

namespace due {

struct FillingJob {
  std::vector<float> sparse;                   // D*H*W: the annotation in {0, 1} on annotated slices
  std::vector<std::uint8_t> annotated_slices;  // D
  std::uint64_t seed = 0;                      // this volume's random stream (its repeats and slices derive from it)
};

struct FillingOptions {
  std::size_t repeats = 10;      // T
  std::size_t batch_size = 64;   // slices per network call
  bool skip_empty_gaps = true;   // a gap between two empty boundaries stays empty, unsampled
  SamplerConfig sampler;
};

struct FilledVolume {
  std::vector<float> mean;      // D*H*W in [0, 1]; annotated slices exact, slices outside gaps carried
  std::vector<float> variance;  // D*H*W, population variance over the repeats; 0 outside sampled gaps
};

// `prediction`: what `model` outputs (the interpolator file's architecture says). `on_batch(slices)` is told after
// each network batch how many slices it produced (for a progress line).
std::vector<FilledVolume> fill_gaps(DiffusionUNetImpl& model, Prediction prediction, const NoiseSchedule& schedule,
                                    const VolumeShape& shape, const std::vector<FillingJob>& jobs,
                                    const FillingOptions& options, const torch::Device& device,
                                    const std::function<void(std::size_t)>& on_batch = nullptr);

// Slices fill_gaps will sample for `jobs` (for progress totals): missing slices of sampled gaps times T.
std::size_t slices_to_sample(const VolumeShape& shape, const std::vector<FillingJob>& jobs,
                             const FillingOptions& options);

}  // namespace due
