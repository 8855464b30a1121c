#pragma once
// The reverse diffusion process for a batch of target slices: ancestral DDPM (strided when it visits fewer
// steps than the schedule has) and DDIM (eta 0: deterministic steps; eta 1: as noisy as DDPM).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "diffusion/prediction.h"
#include "diffusion/schedule.h"
#include "models/diffusion_unet.h"

namespace due {

enum class SamplerKind { Ddpm, Ddim };
SamplerKind parse_sampler(const std::string& name);  // "ddpm" | "ddim"; std::invalid_argument otherwise
const char* sampler_name(SamplerKind kind);

struct SamplerConfig {
  SamplerKind kind = SamplerKind::Ddim;
  std::size_t steps = 50;  // timesteps visited, evenly strided over the schedule
  double eta = 0.0;        // DDIM only
};

// What the network is asked about: one row per target slice.
struct SliceQuery {
  torch::Tensor conditions;  // [B, C, H, W] the network's condition channels (network_conditions.h); fill_gaps
                             // gives the two boundary masks in [-1, 1] and its model overload adds the rest
  torch::Tensor position;    // [B]
  torch::Tensor gap_length;  // [B]
  torch::Tensor images;      // [B, 3, H, W]: the image of the target, lower and upper slice in [-1, 1], when the
                             // jobs carry /image (gap_filling.h); undefined otherwise
};

// The estimates of one reverse step: x_0 clipped to the data range [-1, 1], and the noise eps consistent with it
// and x_t, so that x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps holds exactly. Keeping the network's own
// eps after clipping x_0 would drop the noise that clipping removed from x_0 and freeze a wrong x_0 into the chain.
struct DenoisedEstimate {
  torch::Tensor x0, eps;
};
DenoisedEstimate denoised_estimate(const torch::Tensor& output, Prediction prediction, const torch::Tensor& x,
                                   double alpha_bar);

// The network (or any stand-in) seen by a sampler: its output (eps or x_0 per Prediction) for x_t [B, 1, H, W]
// at integer timesteps [B] in 0..T-1 (the training convention).
using Denoiser = std::function<torch::Tensor(const torch::Tensor& x, const torch::Tensor& timestep)>;

// Runs the reverse process for [B, 1, H, W] slices (B = seeds.size()) on `device` and returns x_0 in [-1, 1].
// Row b's starting noise and every noise it draws later come from a CPU generator seeded with seeds[b], so a row's
// result does not depend on what it is batched with.
torch::Tensor run_reverse_process(const Denoiser& denoiser, Prediction prediction, const NoiseSchedule& schedule,
                                  const SamplerConfig& config, std::int64_t height, std::int64_t width,
                                  const torch::Device& device, const std::vector<std::uint64_t>& seeds);

// run_reverse_process with the UNet conditioned on `query`. The model should be in eval mode.
torch::Tensor sample_slices(DiffusionUNetImpl& model, Prediction prediction, const NoiseSchedule& schedule,
                            const SamplerConfig& config, const SliceQuery& query,
                            const std::vector<std::uint64_t>& seeds);

}  // namespace due
