#include "explain/grad_cam.h"

#include <stdexcept>

namespace due {

CamPooling parse_cam_pooling(const std::string& name) {
  if (name == "spatial") return CamPooling::Spatial;
  if (name == "per-depth") return CamPooling::PerDepth;
  throw std::invalid_argument("CAM pooling '" + name + "' is not spatial or per-depth");
}

const char* cam_pooling_name(CamPooling pooling) {
  return pooling == CamPooling::Spatial ? "spatial" : "per-depth";
}

CamWeights parse_cam_weights(const std::string& name) {
  if (name == "constant") return CamWeights::Constant;
  if (name == "differentiable") return CamWeights::Differentiable;
  throw std::invalid_argument("CAM weights '" + name + "' are not constant or differentiable");
}

const char* cam_weights_name(CamWeights weights) {
  return weights == CamWeights::Constant ? "constant" : "differentiable";
}

torch::Tensor cam_gradients(const torch::Tensor& scores, const torch::Tensor& activation, bool create_graph) {
  return torch::autograd::grad({scores.sum()}, {activation}, /*grad_outputs=*/{}, /*retain_graph=*/true,
                               create_graph)[0];
}

torch::Tensor min_max_per_sample(const torch::Tensor& maps) {
  std::vector<std::int64_t> axes;
  for (std::int64_t axis = 1; axis < maps.dim(); ++axis) axes.push_back(axis);
  const torch::Tensor low = maps.amin(axes, /*keepdim=*/true);
  const torch::Tensor high = maps.amax(axes, /*keepdim=*/true);
  return (maps - low) / (high - low + kCamNormEpsilon);
}

torch::Tensor cam_from_gradients(const torch::Tensor& activation, const torch::Tensor& gradients, CamPooling pooling,
                                 c10::IntArrayRef output_size, bool align_corners) {
  const std::int64_t spatial_axes = activation.dim() - 2;
  if ((spatial_axes != 2 && spatial_axes != 3) || gradients.sizes() != activation.sizes() ||
      static_cast<std::int64_t>(output_size.size()) != spatial_axes)
    throw std::invalid_argument("cam_from_gradients: activation " + c10::str(activation.sizes()) + ", gradients " +
                                c10::str(gradients.sizes()) + ", output size " + c10::str(output_size));
  // Channel weights: mean over the pooled axes, kept as size-1 axes so they broadcast back over the map.
  std::vector<std::int64_t> pooled;
  const bool per_depth = pooling == CamPooling::PerDepth && spatial_axes == 3;
  for (std::int64_t axis = per_depth ? 3 : 2; axis < activation.dim(); ++axis) pooled.push_back(axis);
  const torch::Tensor alpha = gradients.mean(pooled, /*keepdim=*/true);
  const torch::Tensor map = torch::relu((alpha * activation).sum(1, /*keepdim=*/true));  // [N, 1, spatial...]
  namespace F = torch::nn::functional;
  auto options = F::InterpolateFuncOptions().size(output_size.vec()).align_corners(align_corners);
  if (spatial_axes == 3)
    options.mode(torch::kTrilinear);
  else
    options.mode(torch::kBilinear);
  return min_max_per_sample(F::interpolate(map, options).squeeze(1));
}

}  // namespace due
