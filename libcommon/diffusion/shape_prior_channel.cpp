#include "diffusion/shape_prior_channel.h"

#include <stdexcept>

#include "imputation/classical.h"

namespace due {

torch::Tensor with_shape_prior(const torch::Tensor& conditions, const torch::Tensor& position) {
  return torch::cat({conditions, shape_prior_slices(conditions, position)}, 1);
}

torch::Tensor shape_prior_slices(const torch::Tensor& conditions, const torch::Tensor& position) {
  if (conditions.dim() != 4 || conditions.size(1) != 2 || position.numel() != conditions.size(0))
    throw std::invalid_argument("shape prior: expects conditions [B, 2, H, W] and one position per row");
  const torch::Tensor masks = ((conditions.detach().to(torch::kCPU, torch::kFloat32) + 1.0) * 0.5).contiguous();
  const torch::Tensor positions = position.detach().to(torch::kCPU, torch::kFloat64).contiguous();
  const std::int64_t rows = masks.size(0), height = masks.size(2), width = masks.size(3);
  torch::Tensor prior = torch::empty({rows, 1, height, width}, torch::kFloat32);
  const float* in = masks.data_ptr<float>();
  float* out = prior.data_ptr<float>();
  const std::int64_t plane = height * width;
  for (std::int64_t b = 0; b < rows; ++b) {
    const ShapeBlend blend(in + (2 * b) * plane, in + (2 * b + 1) * plane, static_cast<std::size_t>(height),
                           static_cast<std::size_t>(width), {1.0, 1.0});
    blend.slice(positions.data_ptr<double>()[b], out + b * plane);
  }
  return (prior * 2.0 - 1.0).to(conditions.device(), conditions.scalar_type());
}

}  // namespace due
