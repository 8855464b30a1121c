#pragma once
// Gap filling with the diffusion interpolator, repeated T times for a per-voxel mean and population variance.
// Which slices condition each query is FillingOptions::fill (diffusion/gap_queries.h): direct (every missing
// slice from the gap's two annotated boundaries, all in one round) or sequential (each slice from the one below
// it, round by round). All volumes, repeats and gaps whose queries fall in the same round share batched reverse
// processes; every slice draws its noise from its own seed (volume, repeat, depth), so batching and the order of
// queries do not change the result.
#include <cstdint>
#include <functional>
#include <vector>

#include <torch/torch.h>

#include "diffusion/gap_queries.h"
#include "diffusion/samplers.h"
#include "io/dataset_store.h"
#include "models/diffusion_unet.h"

namespace due {

struct FillingJob {
  std::vector<float> sparse;                   // D*H*W: the annotation in {0, 1} on annotated slices
  std::vector<std::uint8_t> annotated_slices;  // D
  std::uint64_t seed = 0;                      // this volume's random stream (its repeats and slices derive from it)
  std::vector<float> image;                    // D*H*W /image in [0, 1] for an interpolator that sees the scan
                                               // (image_condition.h); may stay empty otherwise
};

struct FillingOptions {
  std::size_t repeats = 10;      // T
  std::size_t batch_size = 64;   // slices per network call
  bool skip_empty_gaps = true;   // a gap between two empty boundaries stays empty, unsampled
  GapFill fill = GapFill::Direct;  // variance.fill
  SamplerConfig sampler;
};

struct FilledVolume {
  std::vector<float> mean;      // D*H*W in [0, 1]; annotated slices exact, slices outside gaps carried
  std::vector<float> variance;  // D*H*W, population variance over the repeats; 0 outside sampled gaps
};

// Runs the reverse process for a batch of queries (one seed per row) and returns x_0 [B, 1, H, W] in [-1, 1]: what
// fill_gaps asks the network. sample_slices with a model; a test may wrap it to see every query.
using SliceSampler =
    std::function<torch::Tensor(const SliceQuery& query, const std::vector<std::uint64_t>& seeds)>;

std::vector<FilledVolume> fill_gaps(const SliceSampler& sampler, const VolumeShape& shape,
                                    const std::vector<FillingJob>& jobs, const FillingOptions& options,
                                    const torch::Device& device,
                                    const std::function<void(std::size_t)>& on_batch = nullptr);

// The same with `model` through sample_slices. `prediction`: what `model` outputs (the interpolator file's architecture says). `on_batch(slices)` is told after
// each network batch how many slices it produced (for a progress line).
std::vector<FilledVolume> fill_gaps(DiffusionUNetImpl& model, Prediction prediction, const NoiseSchedule& schedule,
                                    const VolumeShape& shape, const std::vector<FillingJob>& jobs,
                                    const FillingOptions& options, const torch::Device& device,
                                    const std::function<void(std::size_t)>& on_batch = nullptr);

// Slices fill_gaps will sample for `jobs` (for progress totals): missing slices of sampled gaps times T.
std::size_t slices_to_sample(const VolumeShape& shape, const std::vector<FillingJob>& jobs,
                             const FillingOptions& options);

}  // namespace due
