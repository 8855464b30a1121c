#include "losses/explanation_losses.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

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

std::vector<double> as_doubles(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().to(torch::kCPU, torch::kFloat64).contiguous().view(-1);
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

}  // namespace

torch::Tensor soft_binarise(const torch::Tensor& cam, const torch::Tensor& threshold) {
  return torch::tanh(5.0 * (cam - threshold));
}

torch::Tensor weighted_l1(const torch::Tensor& cam, const torch::Tensor& target, const torch::Tensor& weight) {
  require_same_shape("weighted_l1", cam, target);
  require_same_shape("weighted_l1", cam, weight);
  torch::Tensor error = (cam - target).abs();
  if (weight.defined()) error = error * weight;
  return error.mean(spatial_axes(cam));
}

torch::Tensor due_binary_term(const torch::Tensor& cam, const torch::Tensor& human, const torch::Tensor& weight) {
  require_same_shape("due_binary_term", cam, human);
  require_same_shape("due_binary_term", cam, weight);
  const torch::Tensor foreground = (human > 0.5).to(cam.scalar_type());
  const torch::Tensor half = torch::full({}, 0.5, cam.options());
  torch::Tensor error = (soft_binarise(cam, half) - human).abs() * foreground;
  if (weight.defined()) error = error * weight;
  const auto axes = spatial_axes(cam);
  return error.sum(axes) / foreground.sum(axes).clamp_min(1.0);
}

torch::Tensor due_loss(const torch::Tensor& cam, const torch::Tensor& human, const torch::Tensor& imputed,
                       const torch::Tensor& weight) {
  return due_binary_term(cam, human, weight) + weighted_l1(cam, imputed, weight);
}

torch::Tensor sparse_due_loss(const torch::Tensor& cam, const torch::Tensor& human, const torch::Tensor& annotated) {
  require_same_shape("sparse_due_loss", cam, human);
  if (cam.dim() != 4 || annotated.dim() != 2 || annotated.size(0) != cam.size(0) || annotated.size(1) != cam.size(1))
    throw std::invalid_argument("sparse_due_loss: expected [P, D, H, W] maps and [P, D] annotated slices, got " +
                                c10::str(cam.sizes()) + " and " + c10::str(annotated.sizes()));
  std::vector<torch::Tensor> losses;
  for (std::int64_t p = 0; p < cam.size(0); ++p) {
    const torch::Tensor slices = (annotated[p] > 0.5).nonzero().view(-1).to(cam.device());
    if (slices.numel() == 0) {
      // Keeps the graph (a zero that depends on the map) so a batch of such samples still backpropagates.
      losses.push_back(cam[p].sum() * 0.0);
      continue;
    }
    // [1, |S|, H, W]: the sample's annotated slices as one map.
    const torch::Tensor cam_s = cam[p].index_select(0, slices).unsqueeze(0);
    const torch::Tensor human_s = human[p].index_select(0, slices).unsqueeze(0);
    losses.push_back((due_binary_term(cam_s, human_s) + weighted_l1(cam_s, human_s)).squeeze(0));
  }
  return torch::stack(losses);
}

torch::Tensor map_bce(const torch::Tensor& cam, const torch::Tensor& target) {
  require_same_shape("map_bce", cam, target);
  const torch::Tensor p = cam.clamp(kBceClamp, 1.0 - kBceClamp);
  const torch::Tensor loss = -(target * torch::log(p) + (1.0 - target) * torch::log(1.0 - p));
  return loss.mean(spatial_axes(cam));
}

torch::Tensor res_threshold(const torch::Tensor& cam, const torch::Tensor& annotation) {
  require_same_shape("res_threshold", cam, annotation);
  const std::vector<double> x = as_doubles(cam), y = as_doubles(annotation);
  std::vector<double> below, above;  // map values where the annotation is < 0 and > 0, in flattened order
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (y[i] < 0) below.push_back(x[i]);
    if (y[i] > 0) above.push_back(x[i]);
  }
  std::vector<double> below_sorted(below), above_sorted(above);
  std::sort(below_sorted.begin(), below_sorted.end());
  std::sort(above_sorted.begin(), above_sorted.end());
  // The RES code counts the satisfied constraints of each candidate pixel by pixel (quadratic in the pixels);
  // sorted values give the same counts by binary search.
  const auto score = [&](double v) {
    double s = 0;
    if (!below.empty()) {
      const auto strictly_below = std::lower_bound(below_sorted.begin(), below_sorted.end(), v) - below_sorted.begin();
      s += static_cast<double>(strictly_below) / static_cast<double>(below.size());
    }
    if (!above.empty()) {
      const auto under_v = std::lower_bound(above_sorted.begin(), above_sorted.end(), v) - above_sorted.begin();
      s += static_cast<double>(above.size() - static_cast<std::size_t>(under_v)) / static_cast<double>(above.size());
    }
    return s;
  };
  double best = 0, best_score = 0;
  const auto consider = [&](double v) {
    const double s = score(v);
    if (s > best_score) best = v, best_score = s;
  };
  for (double v : below) consider(v + kResThresholdEpsilon);
  for (double v : above) consider(v);
  return torch::full({}, best, cam.options().requires_grad(false));
}

torch::Tensor res_robust_term(const torch::Tensor& cam, const torch::Tensor& annotation, const torch::Tensor& threshold,
                              double slack) {
  require_same_shape("res_robust_term", cam, annotation);
  const torch::Tensor annotated = (annotation != 0).to(cam.scalar_type());
  const torch::Tensor count = annotated.sum();
  if (count.item<double>() == 0) return torch::zeros({}, cam.options());
  const torch::Tensor error = (soft_binarise(cam, threshold) - annotation).abs() * annotated;
  return torch::relu(error.sum() / count - slack);
}

torch::Tensor res_blurred_annotation(const torch::Tensor& annotation, double sigma) {
  const torch::Tensor blurred = gaussian_blur_3x3(annotation.clamp_min(0), sigma);
  return blurred / (blurred.amax({1, 2}, /*keepdim=*/true) + 1e-6);
}

torch::Tensor gaussian_blur_3x3(const torch::Tensor& maps, double sigma) {
  if (maps.dim() != 3) throw std::invalid_argument("gaussian_blur_3x3: expected [P, H, W], got " + c10::str(maps.sizes()));
  // OpenCV: a 3-tap kernel with sigma <= 0 comes from its fixed table, not from its sigma formula.
  const double edge = sigma > 0 ? std::exp(-1.0 / (2 * sigma * sigma)) : 0.5;
  const torch::Tensor profile = torch::tensor({edge, 1.0, edge}, maps.options());
  torch::Tensor kernel = profile.unsqueeze(1) * profile.unsqueeze(0);
  kernel = (kernel / kernel.sum()).view({1, 1, 3, 3});
  namespace F = torch::nn::functional;
  // Reflect-101 per axis; an axis of one pixel is its own neighbourhood (OpenCV's border rule for length 1).
  torch::Tensor padded = maps.unsqueeze(1);
  const auto pad_axis = [&](std::vector<std::int64_t> pad, std::int64_t size) {
    padded = size > 1 ? F::pad(padded, F::PadFuncOptions(pad).mode(torch::kReflect))
                      : F::pad(padded, F::PadFuncOptions(pad).mode(torch::kReplicate));
  };
  pad_axis({1, 1, 0, 0}, maps.size(2));
  pad_axis({0, 0, 1, 1}, maps.size(1));
  return F::conv2d(padded, kernel).squeeze(1);
}

}  // namespace due
