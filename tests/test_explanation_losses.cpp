#include <catch2/catch.hpp>

#include <cmath>

#include <torch/torch.h>

#include "losses/explanation_losses.h"


namespace {
torch::Tensor map2x2(std::initializer_list<double> values) {
  return torch::tensor(std::vector<double>(values), torch::kFloat64).view({1, 2, 2});
}
}  // namespace

TEST_CASE("losses: weighted L1 is the mean of weight * |cam - target|", "[losses]") {
  const auto cam = map2x2({0.2, 0.8, 0.5, 1.0}), target = map2x2({0, 1, 1, 0}), weight = map2x2({1, 0.5, 2, 1});
  // errors 0.2, 0.2, 0.5, 1.0; weighted 0.2, 0.1, 1.0, 1.0
  CHECK(due::weighted_l1(cam, target, weight).item<double>() == Approx(2.3 / 4));
  CHECK(due::weighted_l1(cam, target).item<double>() == Approx(1.9 / 4));
  // Per sample: a second sample equal to its target costs 0.
  const auto both = due::weighted_l1(torch::cat({cam, target}), torch::cat({target, target}));
  REQUIRE(both.sizes() == c10::IntArrayRef{2});
  CHECK(both[1].item<double>() == 0.0);
  CHECK_THROWS(due::weighted_l1(cam, torch::zeros({1, 2, 3}, torch::kFloat64)));
}

TEST_CASE("losses: DUE binary term over M's foreground, paper and code variants, plus the continuous term", "[losses]") {
  const auto cam = map2x2({0.3, 0.9, 0.1, 0.7}), human = map2x2({1, 1, 0, 1}), weight = map2x2({1, 0.5, 1, 2});
  const auto imputed = map2x2({1, 0.5, 0, 1});
  const double t2 = std::tanh(2.0), t1 = std::tanh(1.0);
  // Foreground voxels 0, 1, 3. Paper: |tanh(5 (0.3 - 0.5)) - 1| = 1 + tanh(1); code: ReLU makes it |0 - 1| = 1.
  const double rest = (1 - t2) * 0.5 + (1 - t1) * 2;
  due::DueLossOptions paper, code;
  code.binary_relu = true;
  CHECK(due::due_binary_term(cam, human, weight, paper).item<double>() == Approx((1 + t1 + rest) / 3));
  CHECK(due::due_binary_term(cam, human, weight, code).item<double>() == Approx((1 + rest) / 3));
  CHECK((1 + t1 + rest) / 3 == Approx(0.7521306847));
  // Continuous: |cam - I| = 0.7, 0.4, 0.1, 0.3 weighted by 1, 0.5, 1, 2 -> 1.6 / 4.
  CHECK(due::due_loss(cam, human, imputed, weight, paper).item<double>() == Approx((1 + t1 + rest) / 3 + 0.4));
  // A sample with an empty annotation has no binary term.
  const auto empty = map2x2({0, 0, 0, 0});
  CHECK(due::due_binary_term(cam, empty, weight, paper).item<double>() == 0.0);
  // Weight 0 on a voxel removes it from both terms.
  const auto zero_first = map2x2({0, 0.5, 1, 2});
  CHECK(due::due_binary_term(cam, human, zero_first, paper).item<double>() == Approx(rest / 3));
}

TEST_CASE("losses: map BCE, clamped so an exact 0 stays finite", "[losses]") {
  const auto cam = torch::tensor({0.8, 0.3}, torch::kFloat64).view({1, 1, 2});
  const auto target = torch::tensor({1.0, 0.0}, torch::kFloat64).view({1, 1, 2});
  CHECK(due::map_bce(cam, target).item<double>() == Approx(-(std::log(0.8) + std::log(0.7)) / 2));
  const auto zero = torch::tensor({0.0}, torch::kFloat64).view({1, 1, 1});
  const auto one = torch::tensor({1.0}, torch::kFloat64).view({1, 1, 1});
  CHECK(due::map_bce(zero, one).item<double>() == Approx(-std::log(due::kBceClamp)));
}

TEST_CASE("losses: RES-G robust L1 with slack, and its gradient on the learned threshold", "[losses]") {
  const auto cam = torch::tensor({0.9, 0.2, 0.6}, torch::kFloat64).view({1, 1, 3});
  const auto target = torch::tensor({0.5, 0.5, 1.0}, torch::kFloat64).view({1, 1, 3});
  const auto threshold = torch::full({}, 0.5, torch::dtype(torch::kFloat64).requires_grad(true));
  // Soft maps: tanh(2), 0 (ReLU of tanh(-1.5)), tanh(0.5); errors minus the slack 0.1.
  const double t2 = std::tanh(2.0), th = std::tanh(0.5);
  const double expected = ((t2 - 0.5 - 0.1) + (0.5 - 0.1) + (1 - th - 0.1)) / 3;
  const auto loss = due::robust_l1(cam, target, threshold, 0.1);
  CHECK(loss.item<double>() == Approx(expected));
  loss.sum().backward();
  // d/dt tanh(5 (c - t)) = -5 (1 - tanh^2); the middle voxel is below the threshold (ReLU: no gradient).
  const double expected_gradient = (-5 * (1 - t2 * t2) + 5 * (1 - th * th)) / 3;
  CHECK(threshold.grad().item<double>() == Approx(expected_gradient));
  // Errors within the slack cost nothing.
  CHECK(due::robust_l1(cam, torch::tensor({t2, 0.0, th}, torch::kFloat64).view({1, 1, 3}), threshold, 0.1)
            .item<double>() == 0.0);
}

TEST_CASE("losses: the 3x3 Gaussian keeps mass and spreads a point by exp(-d^2 / (2 sigma^2))", "[losses]") {
  auto point = torch::zeros({1, 5, 5}, torch::kFloat64);
  point[0][2][2] = 1.0;
  const auto blurred = due::gaussian_blur_3x3(point, 1.0);
  const double e = std::exp(-0.5), norm = (1 + 2 * e) * (1 + 2 * e);
  CHECK(blurred[0][2][2].item<double>() == Approx(1 / norm));
  CHECK(blurred[0][1][2].item<double>() == Approx(e / norm));
  CHECK(blurred[0][1][1].item<double>() == Approx(e * e / norm));
  CHECK(blurred[0][0][0].item<double>() == 0.0);
  CHECK(blurred.sum().item<double>() == Approx(1.0));
}
