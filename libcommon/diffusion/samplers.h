#pragma once
// The reverse diffusion process for a batch of target slices: ancestral DDPM (strided when it visits fewer
// steps than the schedule has) and DDIM (eta 0: deterministic steps; eta 1: as noisy as DDPM).
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

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
  torch::Tensor conditions;  // [B, 2, H, W] boundary slices in [-1, 1]
  torch::Tensor position;    // [B]
  torch::Tensor gap_length;  // [B]
};

// Runs the reverse process and returns x_0 [B, 1, H, W] in [-1, 1]. Row b's starting noise and every noise it
// draws later come from a CPU generator seeded with seeds[b], so a row's result does not depend on what it is
// batched with. The model should be in eval mode.
torch::Tensor sample_slices(DiffusionUNetImpl& model, const NoiseSchedule& schedule, const SamplerConfig& config,
                            const SliceQuery& query, const std::vector<std::uint64_t>& seeds);

}  // namespace due
