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

TEST_CASE("losses: DUE binary term over M's foreground, plus the continuous term", "[losses]") {
  const auto cam = map2x2({0.3, 0.9, 0.1, 0.7}), human = map2x2({1, 1, 0, 1}), weight = map2x2({1, 0.5, 1, 2});
  const auto imputed = map2x2({1, 0.5, 0, 1});
  const double t2 = std::tanh(2.0), t1 = std::tanh(1.0);
  // Foreground voxels 0, 1, 3: |tanh(5 (0.3 - 0.5)) - 1| = 1 + tanh(1) (no ReLU on the tanh: the published code's
  // ReLU is on the mean, where it does nothing), then (1 - tanh 2) * 0.5 and (1 - tanh 1) * 2.
  const double rest = (1 - t2) * 0.5 + (1 - t1) * 2;
  CHECK(due::due_binary_term(cam, human, weight).item<double>() == Approx((1 + t1 + rest) / 3));
  // The same value from Python's math.tanh, independently of the expression above.
  CHECK(due::due_binary_term(cam, human, weight).item<double>() == Approx(0.7521306846687755).epsilon(1e-12));
  // Continuous: |cam - I| = 0.7, 0.4, 0.1, 0.3 weighted by 1, 0.5, 1, 2 -> 1.6 / 4.
  CHECK(due::due_loss(cam, human, imputed, weight).item<double>() == Approx((1 + t1 + rest) / 3 + 0.4));
  // No weight: all ones (Baseline+): (1 + tanh 1 + 1 - tanh 2 + 1 - tanh 1) / 3 + 1.5 / 4.
  CHECK(due::due_loss(cam, human, imputed).item<double>() == Approx((3 - t2) / 3 + 0.375));
  // A sample with an empty annotation has no binary term.
  const auto empty = map2x2({0, 0, 0, 0});
  CHECK(due::due_binary_term(cam, empty, weight).item<double>() == 0.0);
  // Weight 0 on a voxel removes it from both terms.
  const auto zero_first = map2x2({0, 0.5, 1, 2});
  CHECK(due::due_binary_term(cam, human, zero_first).item<double>() == Approx(rest / 3));
}

TEST_CASE("losses: map BCE, clamped so an exact 0 stays finite", "[losses]") {
  const auto cam = torch::tensor({0.8, 0.3}, torch::kFloat64).view({1, 1, 2});
  const auto target = torch::tensor({1.0, 0.0}, torch::kFloat64).view({1, 1, 2});
  CHECK(due::map_bce(cam, target).item<double>() == Approx(-(std::log(0.8) + std::log(0.7)) / 2));
  const auto zero = torch::tensor({0.0}, torch::kFloat64).view({1, 1, 1});
  const auto one = torch::tensor({1.0}, torch::kFloat64).view({1, 1, 1});
  CHECK(due::map_bce(zero, one).item<double>() == Approx(-std::log(due::kBceClamp)));
}

TEST_CASE("losses: RES's threshold solver counts satisfied constraints and keeps the first best", "[losses]") {
  // Annotation > 0: should be at or above the threshold; < 0: strictly below; 0: no constraint.
  const auto cam = torch::tensor({0.2, 0.9, 0.4, 0.6, 0.1, 0.7}, torch::kFloat64).view({1, 2, 3});
  const auto annotation = torch::tensor({1, 1, -1, 0, -1, 1}, torch::kFloat64).view({1, 2, 3});
  // Candidates in RES's order, negatives (+ 1e-4) first: 0.4001 -> 2/2 below + 2/3 above = 1.667 (0.9, 0.7);
  // 0.1001 -> 1/2 + 3/3 = 1.5; then positives 0.2 -> 1/2 + 1 = 1.5; 0.9 -> 1 + 1/3; 0.7 -> 1 + 2/3 = 1.667, a
  // tie, so the first stays.
  CHECK(due::res_threshold(cam, annotation).item<double>() == Approx(0.4 + 1e-4));
  // Positives only: the lowest of their values satisfies all of them.
  const auto positive_only = torch::tensor({1, 0, 0, 0, 0, 1}, torch::kFloat64).view({1, 2, 3});
  CHECK(due::res_threshold(cam, positive_only).item<double>() == Approx(0.2));
  // Nothing annotated: RES's initial 0.
  CHECK(due::res_threshold(cam, torch::zeros_like(cam)).item<double>() == 0.0);
  // A constant of the step, whatever the map's graph.
  CHECK_FALSE(due::res_threshold(cam.clone().requires_grad_(true), annotation).requires_grad());
}

TEST_CASE("losses: RES's robust term pools the batch's annotated pixels and has its slack outside the mean",
          "[losses]") {
  const auto cam = torch::tensor({0.9, 0.2, 0.6, /**/ 0.3, 0.5, 0.5}, torch::kFloat64).view({2, 1, 3});
  const auto annotation = torch::tensor({1, 0, 1, /**/ -1, 0, 0}, torch::kFloat64).view({2, 1, 3});
  const auto threshold = torch::full({}, 0.5, torch::kFloat64);
  // Annotated: 0.9 (+1): |tanh 2 - 1|; 0.6 (+1): |tanh 0.5 - 1|; 0.3 (-1): |tanh(-1) + 1| = 1 - tanh 1.
  const double mean = (3 - std::tanh(2.0) - std::tanh(0.5) - std::tanh(1.0)) / 3;
  CHECK(due::res_robust_term(cam, annotation, threshold, 0.1).item<double>() == Approx(mean - 0.1));
  // The slack applies to the mean: a mean under it costs nothing even where single pixels exceed it.
  CHECK(due::res_robust_term(cam, annotation, threshold, mean + 0.01).item<double>() == 0.0);
  CHECK(due::res_robust_term(cam, torch::zeros_like(cam), threshold, 0.1).item<double>() == 0.0);
}

TEST_CASE("losses: the 3x3 Gaussian is OpenCV's: fixed (1/4, 1/2, 1/4) for sigma 0, reflect-101 borders",
          "[losses]") {
  auto point = torch::zeros({1, 4, 4}, torch::kFloat64);
  point[0][1][1] = 1.0;
  const auto blurred = due::gaussian_blur_3x3(point, 0.0);
  CHECK(blurred[0][1][1].item<double>() == Approx(0.25));
  CHECK(blurred[0][1][2].item<double>() == Approx(0.125));
  CHECK(blurred[0][2][2].item<double>() == Approx(0.0625));
  CHECK(blurred[0][3][3].item<double>() == 0.0);
  // Row and column -1 reflect onto 1 (not 0): the corner sees the point four times, 4 / 16.
  CHECK(blurred[0][0][0].item<double>() == Approx(0.25));
  CHECK(blurred[0][0][1].item<double>() == Approx(0.25));
  // sigma > 0: normalised exp(-x^2 / (2 sigma^2)) per axis.
  const double e = std::exp(-0.5), norm = (1 + 2 * e) * (1 + 2 * e);
  const auto wide = due::gaussian_blur_3x3(point, 1.0);
  CHECK(wide[0][1][1].item<double>() == Approx(1 / norm));
  CHECK(wide[0][2][2].item<double>() == Approx(e * e / norm));
  // RES-G's target: the positive part blurred, over its max + 1e-6 per sample.
  auto signed_map = point.clone();
  signed_map[0][3][3] = -1.0;
  const auto target = due::res_blurred_annotation(signed_map, 0.0);
  CHECK(target[0][1][1].item<double>() == Approx(0.25 / (0.25 + 1e-6)));
  CHECK(target[0][3][3].item<double>() == 0.0);
}
