#include "losses/explanation_losses.h"

#include <cmath>
#include <stdexcept>

namespace due {
namespace {

// Axes 1.. of a [P, spatial...] tensor.
std::vector<std::int64_t> spatial_axes(const torch::Tensor& t) {
  std::vector<std::int64_t> axes;
  for (std::int64_t axis = 1; axis < t.dim(); ++axis) axes.push_back(axis);
  return axes;
}

void require_same_shape(const char* what, const torch::Tensor& cam, const torch::Tensor& other) {
  if (other.defined() && other.sizes() != cam.sizes())
    throw std::invalid_argument(std::string(what) + ": map " + c10::str(cam.sizes()) + " and target " +
                                c10::str(other.sizes()) + " differ in shape");
  if (cam.dim() < 2) throw std::invalid_argument(std::string(what) + ": expected [P, spatial...] maps");
}

}  // namespace

torch::Tensor soft_binarise(const torch::Tensor& cam, const torch::Tensor& threshold, bool clip_negative) {
  const torch::Tensor soft = torch::tanh(5.0 * (cam - threshold));
  return clip_negative ? torch::relu(soft) : soft;
}

torch::Tensor weighted_l1(const torch::Tensor& cam, const torch::Tensor& target, const torch::Tensor& weight) {
  require_same_shape("weighted_l1", cam, target);
  require_same_shape("weighted_l1", cam, weight);
  torch::Tensor error = (cam - target).abs();
  if (weight.defined()) error = error * weight;
  return error.mean(spatial_axes(cam));
}

torch::Tensor due_binary_term(const torch::Tensor& cam, const torch::Tensor& human, const torch::Tensor& weight,
                              const DueLossOptions& options) {
  require_same_shape("due_binary_term", cam, human);
  require_same_shape("due_binary_term", cam, weight);
  const torch::Tensor foreground = (human > 0.5).to(cam.scalar_type());
  const torch::Tensor half = torch::full({}, 0.5, cam.options());
  const torch::Tensor error = weight * (soft_binarise(cam, half, options.binary_relu) - human).abs() * foreground;
  const auto axes = spatial_axes(cam);
  return error.sum(axes) / foreground.sum(axes).clamp_min(1.0);
}

torch::Tensor due_loss(const torch::Tensor& cam, const torch::Tensor& human, const torch::Tensor& imputed,
                       const torch::Tensor& weight, const DueLossOptions& options) {
  return due_binary_term(cam, human, weight, options) + weighted_l1(cam, imputed, weight);
}

torch::Tensor map_bce(const torch::Tensor& cam, const torch::Tensor& target) {
  require_same_shape("map_bce", cam, target);
  const torch::Tensor p = cam.clamp(kBceClamp, 1.0 - kBceClamp);
  const torch::Tensor loss = -(target * torch::log(p) + (1.0 - target) * torch::log(1.0 - p));
  return loss.mean(spatial_axes(cam));
}

torch::Tensor robust_l1(const torch::Tensor& cam, const torch::Tensor& target, const torch::Tensor& threshold,
                        double slack) {
  require_same_shape("robust_l1", cam, target);
  const torch::Tensor error = (soft_binarise(cam, threshold, /*clip_negative=*/true) - target).abs();
  return torch::relu(error - slack).mean(spatial_axes(cam));
}

torch::Tensor gaussian_blur_3x3(const torch::Tensor& maps, double sigma) {
  if (maps.dim() != 3) throw std::invalid_argument("gaussian_blur_3x3: expected [P, H, W], got " + c10::str(maps.sizes()));
  if (!(sigma > 0)) throw std::invalid_argument("gaussian_blur_3x3: sigma must be > 0");
  const double edge = std::exp(-1.0 / (2 * sigma * sigma));
  const torch::Tensor profile = torch::tensor({edge, 1.0, edge}, maps.options());
  torch::Tensor kernel = profile.unsqueeze(1) * profile.unsqueeze(0);
  kernel = (kernel / kernel.sum()).view({1, 1, 3, 3});
  namespace F = torch::nn::functional;
  return F::conv2d(maps.unsqueeze(1), kernel, F::Conv2dFuncOptions().padding(1)).squeeze(1);
}

}  // namespace due
