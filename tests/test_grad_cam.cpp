#include <catch2/catch.hpp>

#include <torch/torch.h>

#include "classifier/inference.h"
#include "classifier/model_file.h"
#include "classifier/train_step.h"
#include "explain/grad_cam.h"
#include "losses/explanation_losses.h"
#include "models/resnet.h"


namespace {

torch::Tensor values(std::vector<double> v, c10::IntArrayRef shape) {
  return torch::tensor(v, torch::kFloat64).view(shape);
}

// Activations [1, 2 channels, D 2, H 1, W 2] and their gradients, worked by hand below.
const torch::Tensor& hand_activation() {
  static const torch::Tensor a = values({1, 2, 3, 4, /*channel 1*/ 3, 0, 1, 1}, {1, 2, 2, 1, 2});
  return a;
}
const torch::Tensor& hand_gradients() {
  static const torch::Tensor g = values({1, 3, 0, 2, /*channel 1*/ -2, 0, 4, 0}, {1, 2, 2, 1, 2});
  return g;
}

std::vector<double> flat(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat64).contiguous().view(-1);
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

}  // namespace

TEST_CASE("grad-cam: spatial pooling on a hand-worked case", "[gradcam]") {
  // alpha_0 = mean(1, 3, 0, 2) = 1.5, alpha_1 = mean(-2, 0, 4, 0) = 0.5
  // map = ReLU(1.5 A_0 + 0.5 A_1) = [3, 3 | 5, 6.5]; min-max over [3, 6.5]
  const auto cam = due::cam_from_gradients(hand_activation(), hand_gradients(), due::CamPooling::Spatial, {2, 1, 2}, false);
  REQUIRE(cam.sizes() == c10::IntArrayRef{1, 2, 1, 2});
  const auto v = flat(cam);
  const double range = 3.5 + due::kCamNormEpsilon;
  CHECK(v[0] == Approx(0.0));
  CHECK(v[1] == Approx(0.0));
  CHECK(v[2] == Approx(2.0 / range));
  CHECK(v[3] == Approx(3.5 / range));
}

TEST_CASE("grad-cam: per-depth pooling weights each depth by its own gradients, then ReLU", "[gradcam]") {
  // depth 0: alpha = (mean(1, 3), mean(-2, 0)) = (2, -1): 2 [1, 2] - [3, 0] = [-1, 4] -> ReLU [0, 4]
  // depth 1: alpha = (mean(0, 2), mean(4, 0)) = (1, 2): [3, 4] + 2 [1, 1] = [5, 6]
  const auto cam = due::cam_from_gradients(hand_activation(), hand_gradients(), due::CamPooling::PerDepth, {2, 1, 2}, false);
  const auto v = flat(cam);
  const double range = 6 + due::kCamNormEpsilon;
  CHECK(v[0] == Approx(0.0));
  CHECK(v[1] == Approx(4 / range));
  CHECK(v[2] == Approx(5 / range));
  CHECK(v[3] == Approx(6 / range));
}

TEST_CASE("grad-cam: trilinear and bilinear upsampling with half-pixel centres (align_corners false)", "[gradcam]") {
  // One channel [1, 3] along W, gradient 1: map [1, 3]; to 4 columns the sample points are -0.25 (clamped to 0),
  // 0.25, 0.75, 1.25 (clamped): [1, 1.5, 2.5, 3] -> min-max [0, 0.25, 0.75, 1].
  const auto a3 = values({1, 3}, {1, 1, 1, 1, 2});
  const auto cam3 = due::cam_from_gradients(a3, torch::ones_like(a3), due::CamPooling::Spatial, {1, 1, 4}, false);
  const auto a2 = values({1, 3}, {1, 1, 1, 2});
  const auto cam2 = due::cam_from_gradients(a2, torch::ones_like(a2), due::CamPooling::PerDepth, {2, 4}, false);
  const double r = 2 + due::kCamNormEpsilon;
  const std::vector<double> expected{0, 0.5 / r, 1.5 / r, 2 / r};
  CHECK_THAT(flat(cam3), Catch::Matchers::Approx(expected));
  const auto v2 = flat(cam2);
  REQUIRE(v2.size() == 8);
  CHECK_THAT(std::vector<double>(v2.begin(), v2.begin() + 4), Catch::Matchers::Approx(expected));
  CHECK_THAT(std::vector<double>(v2.begin() + 4, v2.end()), Catch::Matchers::Approx(expected));
  // align_corners true (the published code): the 4 samples sit at 0, 1/3, 2/3, 1 of the way from the first input
  // value to the last: [1, 5/3, 7/3, 3] -> min-max [0, 1/3, 2/3, 1].
  const auto corners = due::cam_from_gradients(a3, torch::ones_like(a3), due::CamPooling::Spatial, {1, 1, 4}, true);
  CHECK_THAT(flat(corners), Catch::Matchers::Approx(std::vector<double>{0, (2.0 / 3) / r, (4.0 / 3) / r, 2 / r}));
  const auto corners2 = due::cam_from_gradients(a2, torch::ones_like(a2), due::CamPooling::Spatial, {2, 4}, true);
  const auto c2 = flat(corners2);
  CHECK_THAT(std::vector<double>(c2.begin(), c2.begin() + 4),
             Catch::Matchers::Approx(std::vector<double>{0, (2.0 / 3) / r, (4.0 / 3) / r, 2 / r}));
  // A flat map is 0, not NaN.
  CHECK(due::min_max_per_sample(torch::full({2, 3}, 7.0)).abs().sum().item<double>() == 0.0);
}

TEST_CASE("grad-cam: gradients of per-sample scores come back row by row, differentiable on request", "[gradcam]") {
  const auto a = torch::rand({2, 3, 2, 2, 2}, torch::kFloat64).requires_grad_(true);
  const auto v = torch::rand({3, 2, 2, 2}, torch::kFloat64);
  const auto scores = (v * a * a).flatten(1).sum(1);  // score_b = sum V A_b^2: gradient 2 V A_b
  const auto g = due::cam_gradients(scores, a, /*create_graph=*/true);
  CHECK(torch::allclose(g, 2 * v * a));
  CHECK(g.requires_grad());
  const auto plain = due::cam_gradients((v * a * a).flatten(1).sum(1), a, /*create_graph=*/false);
  CHECK_FALSE(plain.requires_grad());
}

namespace {

// Central differences of `loss()` on a few entries of each parameter, against autograd. The step is small
// (float64): the loss has kinks (max-pool, ReLU, |.|) that a step of 1e-5 already crosses for some entries.
// `numeric` (default: `loss` itself) is the function differenced: a different one checks that autograd of `loss`
// is the derivative of `numeric`.
void check_gradients_by_finite_differences(due::ResNet18& model, const std::function<torch::Tensor()>& loss,
                                           const std::vector<std::string>& names,
                                           std::function<torch::Tensor()> numeric = {}) {
  if (!numeric) numeric = loss;
  model->zero_grad();
  loss().backward();
  auto parameters = model->named_parameters();
  for (const std::string& name : names) {
    INFO(name);
    torch::Tensor p = parameters[name];
    const torch::Tensor flat_p = p.detach().view(-1);
    // No gradient at all (the head, under constant channel weights) is a zero gradient.
    const torch::Tensor grad = p.grad().defined() ? p.grad().view(-1) : torch::zeros_like(flat_p);
    for (std::int64_t i : {std::int64_t{0}, flat_p.numel() / 2, flat_p.numel() - 1}) {
      const double eps = 1e-7, original = flat_p[i].item<double>();
      // The loss itself differentiates (Grad-CAM), so only the parameter edits run without grad mode.
      const auto set = [&](double value) {
        torch::NoGradGuard no_grad;
        flat_p[i] = value;
      };
      set(original + eps);
      const double up = numeric().item<double>();
      set(original - eps);
      const double down = numeric().item<double>();
      set(original);
      const double difference = (up - down) / (2 * eps);
      CHECK(grad[i].item<double>() == Approx(difference).epsilon(1e-4).margin(1e-7));
    }
  }
}

struct CamCase {
  const char* layer;
  due::CamPooling pooling;
  std::vector<std::int64_t> volume;
};

}  // namespace

TEST_CASE("grad-cam: the explanation loss's gradient through the in-pass Grad-CAM matches finite differences",
          "[gradcam]") {
  for (const CamCase& c : {CamCase{"layer3", due::CamPooling::Spatial, {16, 32, 32}},
                           // layer4 is 2 x 1 x 1 here: two depth positions, so per-depth differs from spatial
                           CamCase{"layer4", due::CamPooling::PerDepth, {32, 32, 32}}}) {
    INFO(c.layer);
    torch::manual_seed(11);
    due::ClassifierArchitecture architecture;
    architecture.network.width = 2;
    architecture.volume = due::VolumeShape{static_cast<std::size_t>(c.volume[0]), static_cast<std::size_t>(c.volume[1]),
                                           static_cast<std::size_t>(c.volume[2])};
    architecture.cam_layer = due::parse_layer_ref(c.layer);
    architecture.cam_pooling = c.pooling;
    architecture.cam_weights = due::CamWeights::Differentiable;  // the full derivative, second order included
    due::ResNet18 model(architecture.network);
    model->to(torch::kFloat64);
    model->train();
    const auto input = torch::rand({3, 1, c.volume[0], c.volume[1], c.volume[2]}, torch::kFloat64);
    const auto labels = torch::tensor({1, 0, 1}, torch::kInt64), positives = torch::tensor({0, 2}, torch::kInt64);
    const auto human = (torch::rand({2, c.volume[0], c.volume[1], c.volume[2]}, torch::kFloat64) > 0.7).to(torch::kFloat64);
    const auto imputed = torch::rand_like(human), weight = torch::rand_like(human);
    auto loss = [&] {
      const auto out = model->forward_with_activation(input, architecture.cam_layer);
      const auto cam = due::positives_cam(out, labels, positives, architecture);
      return due::due_loss(cam, human, imputed, weight).mean();
    };
    check_gradients_by_finite_differences(
        model, loss, {"fc.weight", "layer4.1.residual.3.weight", "layer2.0.shortcut.0.weight", "stem.0.weight"});
  }
}

TEST_CASE("grad-cam: constant channel weights: the loss's gradient is that of the map with its weights frozen",
          "[gradcam]") {
  torch::manual_seed(11);
  const std::vector<std::int64_t> volume{32, 32, 32};
  due::ClassifierArchitecture architecture;  // defaults: constant weights, align_corners true (the published code)
  REQUIRE(architecture.cam_weights == due::CamWeights::Constant);
  REQUIRE(architecture.cam_align_corners);
  architecture.network.width = 2;
  architecture.volume = due::VolumeShape{32, 32, 32};
  architecture.cam_layer = due::parse_layer_ref("layer4");
  architecture.cam_pooling = due::CamPooling::PerDepth;
  due::ResNet18 model(architecture.network);
  model->to(torch::kFloat64);
  model->train();
  const auto input = torch::rand({3, 1, 32, 32, 32}, torch::kFloat64);
  const auto labels = torch::tensor({1, 0, 1}, torch::kInt64), positives = torch::tensor({0, 2}, torch::kInt64);
  const auto human = (torch::rand({2, 32, 32, 32}, torch::kFloat64) > 0.7).to(torch::kFloat64);
  const auto imputed = torch::rand_like(human), weight = torch::rand_like(human);
  auto loss = [&] {
    const auto out = model->forward_with_activation(input, architecture.cam_layer);
    return due::due_loss(due::positives_cam(out, labels, positives, architecture), human, imputed, weight).mean();
  };
  // The channel weights at the current parameters, by hand: each positive's true-class logit differentiated with
  // respect to layer4's output, averaged over H and W per depth position, kept as plain numbers.
  torch::Tensor frozen_alpha;
  {
    const auto out = model->forward_with_activation(input, architecture.cam_layer);
    const auto scores = out.logits.gather(1, labels.unsqueeze(1)).squeeze(1).index_select(0, positives);
    const auto g = torch::autograd::grad({scores.sum()}, {out.activation})[0];
    frozen_alpha = g.index_select(0, positives).mean({3, 4}, /*keepdim=*/true).detach();
  }
  // The same map with those weights held fixed while the parameters move: ReLU(sum_c alpha_c A_c), trilinear with
  // align_corners, per-sample min-max.
  auto frozen_loss = [&] {
    const auto a = model->forward_with_activation(input, architecture.cam_layer).activation.index_select(0, positives);
    const auto map = torch::relu((frozen_alpha * a).sum(1, /*keepdim=*/true));
    namespace F = torch::nn::functional;
    const auto up = F::interpolate(
        map, F::InterpolateFuncOptions().size(volume).mode(torch::kTrilinear).align_corners(true)).squeeze(1);
    const auto low = up.amin({1, 2, 3}, true), high = up.amax({1, 2, 3}, true);
    return due::due_loss((up - low) / (high - low + due::kCamNormEpsilon), human, imputed, weight).mean();
  };
  const std::vector<std::string> names{"fc.weight", "layer4.1.residual.3.weight", "layer2.0.shortcut.0.weight",
                                       "stem.0.weight"};
  // Autograd through the constant-weight map is the finite-difference derivative of the frozen-weight loss ...
  check_gradients_by_finite_differences(model, loss, names, frozen_loss);
  // ... and not of the full loss, whose weights move with the parameters (the second-order path, absent here).
  model->zero_grad();
  loss().backward();
  auto parameters = model->named_parameters();
  // The head comes after layer4: with the weights constant it cannot move the map, and gets no gradient at all.
  CHECK_FALSE(parameters["fc.weight"].grad().defined());
  const torch::Tensor constant_grad = torch::zeros_like(parameters["fc.weight"]);
  architecture.cam_weights = due::CamWeights::Differentiable;
  model->zero_grad();
  loss().backward();
  CHECK_FALSE(torch::allclose(constant_grad, parameters["fc.weight"].grad(), 1e-4, 1e-7));
}

TEST_CASE("grad-cam: classifier files written before the Grad-CAM options read as what they were trained with",
          "[gradcam]") {
  due::ClassifierArchitecture a;
  a.network.dims = 3;
  a.volume = due::VolumeShape{8, 8, 8};
  std::string yaml = a.to_yaml();
  const auto read = due::ClassifierArchitecture::from_yaml(yaml, "new");
  CHECK(read.cam_align_corners);
  CHECK(read.cam_weights == due::CamWeights::Constant);
  for (const char* key : {"cam_align_corners", "cam_weights"}) {
    const auto at = yaml.find(key);
    REQUIRE(at != std::string::npos);
    yaml.erase(at, yaml.find('\n', at) + 1 - at);
  }
  const auto old = due::ClassifierArchitecture::from_yaml(yaml, "old");
  CHECK_FALSE(old.cam_align_corners);
  CHECK(old.cam_weights == due::CamWeights::Differentiable);
}

TEST_CASE("grad-cam: a batch's maps in eval mode equal the maps of each sample alone", "[gradcam]") {
  torch::manual_seed(5);
  due::ResNet18 model(due::ResNetConfig{3, 4, 1, 2});
  // Some training steps' worth of BatchNorm statistics, then eval mode.
  for (int i = 0; i < 3; ++i) model->forward(torch::rand({4, 1, 16, 32, 32}));
  model->eval();
  const auto input = torch::rand({3, 1, 16, 32, 32});
  for (const char* layer : {"layer3", "layer4.0"}) {
    INFO(layer);
    const auto batch = due::predict(model, input, due::parse_layer_ref(layer), due::CamPooling::Spatial, true, true);
    REQUIRE(batch.cam.sizes() == c10::IntArrayRef{3, 16, 32, 32});
    CHECK(batch.cam.max().item<float>() <= 1.0f);
    CHECK(batch.cam.min().item<float>() >= 0.0f);
    for (std::int64_t i = 0; i < 3; ++i) {
      const auto alone = due::predict(model, input.slice(0, i, i + 1), due::parse_layer_ref(layer),
                                      due::CamPooling::Spatial, true, true);
      CHECK(torch::allclose(alone.cam[0], batch.cam[i], 1e-4, 1e-5));
      CHECK(torch::allclose(alone.probability[0], batch.probability[i], 1e-5, 1e-6));
    }
  }
}
