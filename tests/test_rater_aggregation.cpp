#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <random>

#include <torch/torch.h>

#include "raters/consensus.h"
#include "raters/aggregation.h"
#include "util/errors.h"

namespace {

constexpr std::int64_t B = 3, R = 4, D = 3, H = 4, W = 5;

torch::Tensor random_raters(std::uint64_t seed) {
  torch::manual_seed(static_cast<std::int64_t>(seed));
  return (torch::rand({B, R, D, H, W}) > 0.5).to(torch::kFloat);
}

// Sample 0: all four raters; sample 1: slots 1 and 3; sample 2: nobody.
torch::Tensor some_present() {
  return torch::tensor({1.f, 1.f, 1.f, 1.f, 0.f, 1.f, 0.f, 1.f, 0.f, 0.f, 0.f, 0.f}).view({B, R});
}

}  // namespace

TEST_CASE("rater choices: names round-trip, a bad one is a usage error", "[raters]") {
  for (const char* name : {"consensus", "random", "mean-loss", "magi"})
    CHECK(std::string(due::rater_choice_name(due::parse_rater_choice(name))) == name);
  CHECK_THROWS_AS(due::parse_rater_choice("majority"), due::UsageError);
}

TEST_CASE("rater consensus over tensors equals raters/consensus.h over the available raters only", "[raters]") {
  const torch::Tensor raters = random_raters(5);
  const torch::Tensor present = some_present();
  const std::size_t voxels = static_cast<std::size_t>(D * H * W);
  for (double level : {0.25, 0.5, 0.75, 1.0}) {
    const torch::Tensor consensus = due::consensus_of_available(raters, present, level);
    REQUIRE(consensus.sizes() == torch::IntArrayRef({B, D, H, W}));
    for (std::int64_t b = 0; b < B; ++b) {
      const torch::Tensor flat = raters[b].reshape({-1}).to(torch::kUInt8).contiguous();
      const std::vector<std::uint8_t> all(flat.data_ptr<std::uint8_t>(), flat.data_ptr<std::uint8_t>() + flat.numel());
      std::vector<std::uint8_t> slots(R);
      for (std::int64_t r = 0; r < R; ++r) slots[static_cast<std::size_t>(r)] = present[b][r].item<float>() > 0;
      const std::vector<std::uint8_t> expected = due::consensus_mask(all, slots, voxels, level);
      const torch::Tensor got = consensus[b].reshape({-1}).to(torch::kUInt8).contiguous();
      INFO("level " << level << " sample " << b);
      CHECK(std::vector<std::uint8_t>(got.data_ptr<std::uint8_t>(), got.data_ptr<std::uint8_t>() + got.numel()) ==
            expected);
    }
  }
  // Sample 1 at 50% with two raters: one vote is enough, so it is the union of slots 1 and 3.
  const torch::Tensor half = due::consensus_of_available(raters, present, 0.5);
  CHECK(torch::equal(half[1], torch::max(raters[1][1], raters[1][3])));
  CHECK(half[2].sum().item<float>() == 0.f);
}

TEST_CASE("rater random: only available raters, about uniformly, seeded", "[raters]") {
  const torch::Tensor raters = random_raters(6);
  const torch::Tensor present = some_present();
  std::mt19937_64 rng(42);
  std::map<std::ptrdiff_t, int> drawn_for_sample1;
  for (int step = 0; step < 600; ++step) {
    std::vector<std::ptrdiff_t> chosen;
    const torch::Tensor target = due::random_available_rater(raters, present, rng, &chosen);
    REQUIRE(chosen.size() == static_cast<std::size_t>(B));
    REQUIRE(chosen[0] >= 0);
    REQUIRE(torch::equal(target[0], raters[0][chosen[0]]));
    REQUIRE((chosen[1] == 1 || chosen[1] == 3));
    REQUIRE(torch::equal(target[1], raters[1][chosen[1]]));
    REQUIRE(chosen[2] == -1);
    REQUIRE(target[2].sum().item<float>() == 0.f);
    ++drawn_for_sample1[chosen[1]];
  }
  CHECK(drawn_for_sample1[1] > 240);  // binomial(600, 1/2): 300 +- 12
  CHECK(drawn_for_sample1[3] > 240);
  std::mt19937_64 a(9), b(9);
  std::vector<std::ptrdiff_t> first, second;
  due::random_available_rater(raters, present, a, &first);
  due::random_available_rater(raters, present, b, &second);
  CHECK(first == second);
}

TEST_CASE("rater mean-loss: averaged over available raters, absent ones count for nothing", "[raters]") {
  const float inf = std::numeric_limits<float>::infinity();
  const torch::Tensor per_rater =
      torch::tensor({1.f, 2.f, 3.f, 6.f, inf, 4.f, std::nanf(""), 8.f, 5.f, 5.f, 5.f, 5.f})
          .view({B, R})
          .detach()
          .requires_grad_(true);
  const torch::Tensor mean = due::mean_over_available(per_rater, some_present());
  CHECK(mean[0].item<float>() == Approx(3.0));
  CHECK(mean[1].item<float>() == Approx(6.0));
  CHECK(mean[2].item<float>() == 0.f);
  mean.sum().backward();
  const torch::Tensor grad = per_rater.grad();
  CHECK(grad[0][0].item<float>() == Approx(0.25));
  CHECK(grad[1][1].item<float>() == Approx(0.5));
  CHECK(grad[1][0].item<float>() == 0.f);
  CHECK(grad[1][2].item<float>() == 0.f);
  CHECK(grad[2].abs().sum().item<float>() == 0.f);

  // The callback form, against a loop by hand with L1 to a fixed map.
  const torch::Tensor raters = random_raters(7);
  const torch::Tensor cam = torch::rand({B, D, H, W});
  int calls = 0;
  const torch::Tensor loss = due::mean_loss_over_available(raters, some_present(), [&](const torch::Tensor& target) {
    ++calls;
    return (target - cam).abs().mean({1, 2, 3});
  });
  CHECK(calls == R);
  double expected0 = 0;
  for (std::int64_t r = 0; r < R; ++r) expected0 += (raters[0][r] - cam[0]).abs().mean().item<double>() / R;
  const double expected1 = ((raters[1][1] - cam[1]).abs().mean().item<double>() +
                            (raters[1][3] - cam[1]).abs().mean().item<double>()) / 2;
  CHECK(loss[0].item<double>() == Approx(expected0).epsilon(1e-5));
  CHECK(loss[1].item<double>() == Approx(expected1).epsilon(1e-5));
  CHECK(loss[2].item<double>() == 0.0);
}
