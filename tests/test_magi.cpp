#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <torch/torch.h>

#include "models/magi.h"

namespace {

due::MagiOptions tiny_options() {
  due::MagiOptions o;
  o.annotators = 4;
  o.width = 4;
  o.latent_channels = 2;
  o.embedding_dim = 2;
  return o;
}

// A ball of the given radius (voxels) in an 8^3 volume: raters that differ by how generous they are.
torch::Tensor ball(double radius) {
  const torch::Tensor r = torch::arange(8, torch::kFloat) - 3.5;
  const torch::Tensor d2 = r.view({8, 1, 1}).pow(2) + r.view({1, 8, 1}).pow(2) + r.view({1, 1, 8}).pow(2);
  return (d2 <= radius * radius).to(torch::kFloat);
}

due::MagiOutput fixed_output(const torch::Tensor& masks) {
  due::MagiOutput out;
  out.masks = masks;
  out.image_mean = out.image_logvar = out.annotation_mean = out.annotation_logvar = torch::zeros({1, 1, 1, 1, 1});
  return out;
}

}  // namespace

TEST_CASE("magi: shapes, mask range, weights on the simplex, eval is deterministic", "[magi]") {
  torch::manual_seed(1);
  due::MagiModel model(tiny_options());
  for (const auto& size : {std::vector<std::int64_t>{8, 8, 8}, std::vector<std::int64_t>{7, 8, 9}}) {
    const torch::Tensor image = torch::rand({2, 1, size[0], size[1], size[2]});
    const torch::Tensor raters = (torch::rand({2, 3, size[0], size[1], size[2]}) > 0.5).to(torch::kFloat);
    const torch::Tensor present = torch::tensor({1.f, 0.f, 1.f, 0.f, 0.f, 0.f}).view({2, 3});
    const due::MagiOutput out = model->forward(image, raters, present);
    CHECK(out.masks.sizes() == torch::IntArrayRef({2, 4, size[0], size[1], size[2]}));
    CHECK(out.image_mean.sizes() == torch::IntArrayRef({2, 2, (size[0] + 1) / 2, (size[1] + 1) / 2, (size[2] + 1) / 2}));
    CHECK(out.annotation_logvar.sizes() == out.image_mean.sizes());
    CHECK(out.masks.min().item<float>() > 0.f);
    CHECK(out.masks.max().item<float>() < 1.f);
    model->eval();
    CHECK(torch::equal(model->forward(image, raters, present).masks, model->forward(image, raters, present).masks));
    model->train();
  }
  const torch::Tensor w = model->annotator_weights();
  CHECK(w.sum().item<float>() == Approx(1.0));
  CHECK(w.min().item<float>() >= 0.f);
}

TEST_CASE("magi: KL in closed form against hand values", "[magi]") {
  // mean 1, logvar 0: 0.5 * (1 + 0 - 1 - 1) = -0.5 -> 0.5. mean 0, var 2: -0.5 * (1 + ln 2 - 0 - 2) = 0.5 (1 - ln 2).
  CHECK(due::gaussian_kl(torch::ones({3}), torch::zeros({3})).item<double>() == Approx(0.5));
  CHECK(due::gaussian_kl(torch::zeros({2}), torch::full({2}, std::log(2.0))).item<double>() ==
        Approx(0.5 * (1 - std::log(2.0))));
  CHECK(due::gaussian_kl(torch::zeros({4}), torch::zeros({4})).item<double>() == Approx(0.0).margin(1e-7));
  // Averaged over elements: one element of each kind.
  CHECK(due::gaussian_kl(torch::tensor({1.f, 0.f}), torch::tensor({0.f, static_cast<float>(std::log(2.0))}))
            .item<double>() == Approx(0.25 + 0.25 * (1 - std::log(2.0))));
}

TEST_CASE("magi: matching is the minimum-cost assignment of observed masks to annotators", "[magi]") {
  const torch::Tensor generated = torch::stack({ball(1.5), ball(2.5), ball(3.5), ball(4.5)}).unsqueeze(0);  // [1,4,..]
  SECTION("observed masks that are a permutation of the generated ones cost nothing") {
    const torch::Tensor raters = torch::stack({ball(3.5), ball(1.5), ball(4.5), ball(2.5)}).unsqueeze(0);
    const due::MagiGenerationLoss loss =
        due::magi_generation_loss(fixed_output(generated), raters, torch::ones({1, 4}));
    CHECK(loss.reconstruction.item<double>() == Approx(0.0).margin(1e-9));
    CHECK(loss.annotator_of_rater[0] == std::vector<std::int64_t>{2, 0, 3, 1});
  }
  SECTION("random soft masks: the matched L1 equals the best over all injective maps, by brute force") {
    torch::manual_seed(4);
    const torch::Tensor soft = torch::rand({1, 4, 8, 8, 8});
    const torch::Tensor raters = (torch::rand({1, 3, 8, 8, 8}) > 0.5).to(torch::kFloat);
    const torch::Tensor present = torch::tensor({1.f, 1.f, 1.f}).view({1, 3});
    const due::MagiGenerationLoss loss = due::magi_generation_loss(fixed_output(soft), raters, present);
    std::vector<int> order{0, 1, 2, 3};
    double best = std::numeric_limits<double>::infinity();
    do {
      double total = 0;
      for (int r = 0; r < 3; ++r) total += (raters[0][r] - soft[0][order[r]]).abs().mean().item<double>();
      best = std::min(best, total / 3);
    } while (std::next_permutation(order.begin(), order.end()));
    CHECK(loss.reconstruction.item<double>() == Approx(best).epsilon(1e-5));
  }
}

TEST_CASE("magi: the lesion-balanced L1 weighs a small lesion as much as its background", "[magi]") {
  // One observed voxel of 8 on, generated all zero: plain L1 1/8; balanced 0.5 * 1 + 0.5 * 0.
  torch::Tensor observed = torch::zeros({1, 1, 2, 2, 2});
  observed[0][0][1][1][1] = 1;
  const torch::Tensor generated = torch::zeros({1, 1, 2, 2, 2});
  const torch::Tensor present = torch::ones({1, 1});
  CHECK(due::magi_generation_loss(fixed_output(generated), observed, present).reconstruction.item<double>() ==
        Approx(0.125));
  CHECK(due::magi_generation_loss(fixed_output(generated), observed, present, 1.0, true).reconstruction.item<double>() ==
        Approx(0.5));
  // Generated 0.5 everywhere against an empty observed mask: no lesion, so the plain L1 (0.5).
  CHECK(due::magi_generation_loss(fixed_output(torch::full({1, 1, 2, 2, 2}, 0.5)), torch::zeros({1, 1, 2, 2, 2}),
                                  present, 1.0, true)
            .reconstruction.item<double>() == Approx(0.5));
}

TEST_CASE("magi: missing raters are generated, not matched, and change nothing", "[magi]") {
  const torch::Tensor generated = torch::stack({ball(1.5), ball(2.5), ball(3.5), ball(4.5)}).unsqueeze(0);
  torch::Tensor raters = torch::stack({ball(2.5), torch::ones({8, 8, 8}), ball(4.5)}).unsqueeze(0);
  const torch::Tensor present = torch::tensor({1.f, 0.f, 1.f}).view({1, 3});
  const due::MagiGenerationLoss a = due::magi_generation_loss(fixed_output(generated), raters, present);
  CHECK(a.annotator_of_rater[0] == std::vector<std::int64_t>{1, -1, 3});
  CHECK(a.reconstruction.item<double>() == Approx(0.0).margin(1e-9));
  raters[0][1].zero_();
  const due::MagiGenerationLoss b = due::magi_generation_loss(fixed_output(generated), raters, present);
  CHECK(b.reconstruction.item<double>() == a.reconstruction.item<double>());

  // A batch where nobody annotated: the model still generates every annotator and the loss still backpropagates.
  torch::manual_seed(2);
  due::MagiModel model(tiny_options());
  const due::MagiOutput out = model->forward(torch::rand({1, 1, 8, 8, 8}), torch::zeros({1, 3, 8, 8, 8}),
                                             torch::zeros({1, 3}));
  CHECK(out.masks.size(1) == 4);
  const due::MagiGenerationLoss none = due::magi_generation_loss(out, torch::zeros({1, 3, 8, 8, 8}), torch::zeros({1, 3}));
  CHECK(none.reconstruction.item<double>() == 0.0);
  CHECK(none.annotator_of_rater[0] == std::vector<std::int64_t>{-1, -1, -1});
  none.total.backward();
  CHECK(std::isfinite(none.total.item<double>()));
}

TEST_CASE("magi: generation loss decreases on a fixed batch over 50 Adam steps", "[magi]") {
  torch::manual_seed(3);
  due::MagiModel model(tiny_options());
  const torch::Tensor image = (0.2 + 0.6 * ball(3.0)).view({1, 1, 8, 8, 8}).repeat({2, 1, 1, 1, 1});
  const torch::Tensor raters = torch::stack({torch::stack({ball(2.0), ball(3.0), ball(4.0)}),
                                             torch::stack({ball(3.0), torch::zeros({8, 8, 8}), ball(2.0)})});
  const torch::Tensor present = torch::tensor({1.f, 1.f, 1.f, 1.f, 0.f, 1.f}).view({2, 3});
  auto evaluate = [&] {
    torch::NoGradGuard no_grad;
    model->eval();
    const double value = due::magi_generation_loss(model->forward(image, raters, present), raters, present)
                             .reconstruction.item<double>();
    model->train();
    return value;
  };
  const double before = evaluate();
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(1e-2));
  for (int step = 0; step < 50; ++step) {
    adam.zero_grad();
    due::magi_generation_loss(model->forward(image, raters, present), raters, present, 0.01).total.backward();
    adam.step();
  }
  const double after = evaluate();
  INFO("reconstruction L1 before " << before << ", after " << after);
  CHECK(after < 0.5 * before);
}

TEST_CASE("magi: explanation loss by hand, learned weights stay on the simplex and favour the closest annotator",
          "[magi]") {
  const torch::Tensor masks = torch::stack({torch::full({2, 2, 2}, 0.2f), torch::full({2, 2, 2}, 0.9f)}).unsqueeze(0);
  const torch::Tensor cam = torch::full({1, 2, 2, 2}, 0.5f);
  CHECK(due::magi_explanation_loss(masks, cam, torch::tensor({0.25f, 0.75f}))[0].item<double>() ==
        Approx(0.25 * 0.3 + 0.75 * 0.4));

  torch::manual_seed(5);
  due::MagiModel model(tiny_options());
  // Annotator u's mask is the cam plus noise growing with u: the explanation loss should move weight to u = 0.
  const torch::Tensor target = torch::rand({2, 8, 8, 8});
  std::vector<torch::Tensor> per_annotator;
  for (int u = 0; u < 4; ++u) per_annotator.push_back((target + 0.1 * u * torch::randn({2, 8, 8, 8})).clamp(0, 1));
  const torch::Tensor generated = torch::stack(per_annotator, 1);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(0.05));
  for (int step = 0; step < 40; ++step) {
    adam.zero_grad();
    due::magi_explanation_loss(generated, target, model->annotator_weights()).mean().backward();
    adam.step();
    const torch::Tensor w = model->annotator_weights();
    REQUIRE(w.sum().item<float>() == Approx(1.0).epsilon(1e-6));
    REQUIRE(w.min().item<float>() >= 0.f);
  }
  const torch::Tensor w = model->annotator_weights();
  INFO("weights " << w);
  // The closest annotator takes most of the weight; the two noisiest both fall below the second closest (their
  // order among themselves is within Adam's normalised steps once both are near zero).
  CHECK(w[0].item<float>() > 0.5f);
  CHECK(w[0].item<float>() > w[1].item<float>());
  CHECK(w[1].item<float>() > w[2].item<float>());
  CHECK(w[1].item<float>() > w[3].item<float>());
}
