#include "diffusion_support.h"

#include <torch/torch.h>

namespace due::test {

InterpolatorArchitecture tiny_interpolator_architecture(std::size_t schedule_steps) {
  InterpolatorArchitecture a;
  a.unet.width = 8;
  a.unet.channel_mult = {1, 2};
  a.unet.res_blocks = 1;
  a.unet.attention_levels = {1};
  a.unet.heads = 2;
  a.unet.dropout = 0.0;
  a.schedule.steps = schedule_steps;
  return a;
}

DiffusionUNet perturbed_unet(const InterpolatorArchitecture& architecture) {
  torch::manual_seed(3);
  DiffusionUNet model(architecture.unet);
  torch::NoGradGuard no_grad;
  for (auto& p : model->parameters()) p.add_(0.1 * torch::randn_like(p));
  model->eval();
  return model;
}

}  // namespace due::test
