#include <catch2/catch.hpp>

#include <cmath>

#include "models/np_vae.h"
#include "models/np_vae_gaps.h"
#include "nn/checkpoint.h"
#include "support.h"
#include "util/errors.h"

using Catch::Matchers::Contains;

namespace {

due::NpVaeArchitecture tiny_architecture(std::int64_t height, std::int64_t width) {
  due::NpVaeArchitecture a;
  a.height = height;
  a.width = width;
  a.channels = 8;
  a.latent_channels = 2;
  a.levels = 2;
  a.position_frequencies = 2;
  return a;
}

due::NpVae tiny_model(std::int64_t height, std::int64_t width, std::uint64_t seed = 7) {
  torch::manual_seed(seed);
  due::NpVae model(tiny_architecture(height, width));
  // A fresh model's output layer is a constant map by design (zero weights); perturb every parameter, as training
  // would, so that the position and the latent reach the output and the tests below can see them.
  torch::NoGradGuard no_grad;
  for (torch::Tensor& parameter : model->parameters()) parameter.add_(0.3 * torch::randn_like(parameter));
  model->eval();
  return model;
}

// One query per row: random boundary masks, context at 0 and 1, the given positions and spans.
due::NpVaeBatch make_batch(std::vector<float> positions, std::vector<float> spans, std::int64_t h, std::int64_t w) {
  const auto n = static_cast<std::int64_t>(positions.size());
  torch::manual_seed(11);
  due::NpVaeBatch b;
  b.context = (torch::rand({n, 2, h, w}) > 0.5).to(torch::kFloat32);
  b.context_positions = torch::stack({torch::zeros({n}), torch::ones({n})}, 1);
  b.positions = torch::tensor(positions);
  b.spans = torch::tensor(spans);
  return b;
}

}  // namespace

TEST_CASE("np-vae: one variance map per missing slice, for any gap length and slice size", "[npvae]") {
  const std::int64_t h = 13, w = 10;  // not multiples of 4: the decoder must still return 13 x 10
  due::NpVae model = tiny_model(h, w);
  for (std::size_t span = 2; span <= 9; ++span) {
    INFO("span " << span);
    const due::VolumeShape shape{span + 3, static_cast<std::size_t>(h), static_cast<std::size_t>(w)};
    std::vector<std::uint8_t> annotated(shape.depth, 0);
    annotated[1] = annotated[1 + span] = 1;  // one gap of span - 1 missing slices; slices 0 and last outside
    std::vector<float> sparse(shape.voxels(), 0.f);
    for (std::size_t i = 1 * h * w; i < 2 * h * w; i += 3) sparse[i] = 1.f;
    due::GapQueries queries(h, w);
    CHECK(queries.add_volume(sparse, shape, annotated) == span - 1);
    const due::NpVaeBatch batch = queries.batch(0, queries.size());
    CHECK(batch.context.sizes() == torch::IntArrayRef({static_cast<std::int64_t>(span - 1), 2, h, w}));
    CHECK(batch.positions[0].item<float>() == Approx(1.0 / static_cast<double>(span)));
    CHECK(batch.spans[0].item<float>() == static_cast<float>(span));
    const due::NpVaeOutput out = model->predict(batch);
    CHECK(out.variance.sizes() == torch::IntArrayRef({static_cast<std::int64_t>(span - 1), 1, h, w}));
    CHECK(out.variance.min().item<float>() >= 0.f);
    CHECK(out.variance.max().item<float>() <= due::kMaxVariance);

    const auto volume = due::predict_volume_variance(*model, sparse, shape, annotated, torch::kCPU, 3);
    REQUIRE(volume.size() == shape.voxels());
    // Each missing slice z holds the map of query z - 2 of the batch above (queries in depth order); every other
    // slice is 0.
    const torch::Tensor maps = out.variance.view({static_cast<std::int64_t>(span - 1), h * w});
    for (std::size_t z = 0; z < shape.depth; ++z) {
      const bool missing = z > 1 && z < 1 + span;
      INFO("slice " << z);
      double worst = 0;
      for (std::int64_t i = 0; i < h * w; ++i) {
        const double expected = missing ? maps[static_cast<std::int64_t>(z - 2)][i].item<double>() : 0.0;
        worst = std::max(worst, std::abs(volume[z * h * w + static_cast<std::size_t>(i)] - expected));
      }
      CHECK(worst <= 1e-6);
    }
  }
}

TEST_CASE("np-vae: queries outside their gap and malformed batches are rejected", "[npvae]") {
  due::NpVae model = tiny_model(8, 8);
  CHECK_NOTHROW(model->predict(make_batch({0.01f, 0.5f, 0.99f}, {2, 3, 7}, 8, 8)));
  for (float outside : {0.f, 1.f, -0.25f, 1.5f}) {
    INFO("position " << outside);
    CHECK_THROWS_WITH(model->predict(make_batch({0.5f, outside}, {4, 4}, 8, 8)), Contains("outside its gap"));
  }
  due::NpVaeBatch same = make_batch({0.5f}, {4}, 8, 8);
  same.context_positions = torch::tensor({{0.5f, 0.5f}});
  CHECK_THROWS_WITH(model->predict(same), Contains("coincide"));
  CHECK_THROWS_WITH(model->predict(make_batch({0.5f}, {1}, 8, 8)), Contains("fewer than 2"));
  CHECK_THROWS_WITH(model->predict(make_batch({0.5f}, {4}, 8, 6)), Contains("8x6") && Contains("8x8"));
  due::NpVaeBatch one_slice = make_batch({0.5f}, {4}, 8, 8);
  one_slice.context = one_slice.context.narrow(1, 0, 1);
  CHECK_THROWS_AS(model->predict(one_slice), std::invalid_argument);
}

TEST_CASE("np-vae: the context is a set: swapping the boundaries with their positions changes nothing", "[npvae]") {
  due::NpVae model = tiny_model(12, 12);
  const due::NpVaeBatch batch = make_batch({0.2f, 0.5f, 0.8f}, {5, 2, 5}, 12, 12);
  due::NpVaeBatch swapped = batch;
  swapped.context = batch.context.flip({1});
  swapped.context_positions = batch.context_positions.flip({1});
  torch::NoGradGuard no_grad;
  CHECK(torch::allclose(model->predict(batch).variance, model->predict(swapped).variance, 1e-5, 1e-7));
  // ... but the query position matters: the same context at 0.2 and at 0.8 gives different maps.
  due::NpVaeBatch mirrored = batch;
  mirrored.positions = 1 - batch.positions;
  CHECK_FALSE(torch::allclose(model->predict(batch).variance, model->predict(mirrored).variance, 1e-5, 1e-7));
}

TEST_CASE("np-vae: inference with the latent mean is deterministic and samples follow their seed", "[npvae]") {
  due::NpVae model = tiny_model(10, 10);
  const due::VolumeShape shape{9, 10, 10};
  std::vector<std::uint8_t> annotated{1, 0, 0, 0, 1, 0, 0, 0, 1};
  std::vector<float> sparse(shape.voxels(), 0.f);
  for (std::size_t i = 4 * 100 + 30; i < 4 * 100 + 60; ++i) sparse[i] = 1.f;
  const auto first = due::predict_volume_variance(*model, sparse, shape, annotated, torch::kCPU, 64);
  CHECK(first == due::predict_volume_variance(*model, sparse, shape, annotated, torch::kCPU, 64));
  const auto batched_by_one = due::predict_volume_variance(*model, sparse, shape, annotated, torch::kCPU, 1);
  for (std::size_t i = 0; i < first.size(); ++i) REQUIRE(batched_by_one[i] == Approx(first[i]).margin(1e-6));

  const auto sample_a = due::predict_volume_variance(*model, sparse, shape, annotated, torch::kCPU, 4, 5);
  const auto sample_b = due::predict_volume_variance(*model, sparse, shape, annotated, torch::kCPU, 64, 5);
  const auto sample_c = due::predict_volume_variance(*model, sparse, shape, annotated, torch::kCPU, 64, 6);
  for (std::size_t i = 0; i < first.size(); ++i) REQUIRE(sample_a[i] == Approx(sample_b[i]).margin(1e-6));
  CHECK(sample_a != sample_c);
  CHECK(sample_a != first);
}

TEST_CASE("np-vae: the KL term matches the closed form of two Gaussians", "[npvae]") {
  // KL(N(m1, s1^2) || N(m2, s2^2)) = ln(s2 / s1) + (s1^2 + (m1 - m2)^2) / (2 s2^2) - 1/2, in standard deviations.
  auto closed_form = [](double m1, double s1, double m2, double s2) {
    return std::log(s2 / s1) + (s1 * s1 + (m1 - m2) * (m1 - m2)) / (2 * s2 * s2) - 0.5;
  };
  const std::vector<double> m1{1.0, 0.0, -0.5, 2.0}, s1{2.0, 1.0, 0.3, 1.5}, m2{0.0, 0.0, 0.5, -1.0},
      s2{1.0, 1.0, 0.7, 2.5};
  auto log_variance = [](const std::vector<double>& s) {
    std::vector<float> v;
    for (double x : s) v.push_back(static_cast<float>(2 * std::log(x)));
    return torch::tensor(v);
  };
  auto tensor = [](const std::vector<double>& x) { return torch::tensor(std::vector<float>(x.begin(), x.end())); };
  const torch::Tensor kl = due::gaussian_kl(tensor(m1), log_variance(s1), tensor(m2), log_variance(s2));
  for (std::size_t i = 0; i < m1.size(); ++i)
    CHECK(kl[static_cast<std::int64_t>(i)].item<double>() == Approx(closed_form(m1[i], s1[i], m2[i], s2[i])).epsilon(1e-5));
  CHECK(kl[0].item<double>() == Approx(0.5 * (4 + 1 - 1 - std::log(4.0))).epsilon(1e-6));  // 1.306853
  CHECK(kl[1].item<double>() == Approx(0.0).margin(1e-7));

  // The loss sums the KL over the latent, averages over the batch and divides by the slice's pixels.
  due::NpVaeOutput out;
  out.variance = torch::full({2, 1, 4, 5}, 0.1);
  out.scale = torch::full({2, 1, 4, 5}, 0.5);
  out.posterior_mean = tensor(m1).view({2, 2, 1, 1});
  out.posterior_logvar = log_variance(s1).view({2, 2, 1, 1});
  out.prior_mean = tensor(m2).view({2, 2, 1, 1});
  out.prior_logvar = log_variance(s2).view({2, 2, 1, 1});
  double kl_sum = 0;
  for (std::size_t i = 0; i < 4; ++i) kl_sum += closed_form(m1[i], s1[i], m2[i], s2[i]);
  const torch::Tensor target = torch::full({2, 1, 4, 5}, 0.3);
  const due::NpVaeLoss l1 = due::np_vae_loss(out, target, due::Reconstruction::L1, 0.5);
  CHECK(l1.kl.item<double>() == Approx(kl_sum / 2 / 20).epsilon(1e-5));
  CHECK(l1.reconstruction.item<double>() == Approx(0.2).epsilon(1e-5));
  CHECK(l1.total.item<double>() == Approx(0.2 + 0.5 * kl_sum / 40).epsilon(1e-5));
  const due::NpVaeLoss mse = due::np_vae_loss(out, target, due::Reconstruction::Mse, 0.0);
  CHECK(mse.reconstruction.item<double>() == Approx(0.2 * 0.2).epsilon(1e-5));
  CHECK(mse.total.item<double>() == Approx(0.04).epsilon(1e-5));
  // Gaussian NLL per pixel: 0.5 ((y - mu) / s)^2 + ln s + 0.5 ln(2 pi).
  const due::NpVaeLoss nll = due::np_vae_loss(out, target, due::Reconstruction::Gaussian, 0.0);
  CHECK(nll.reconstruction.item<double>() ==
        Approx(0.5 * 0.4 * 0.4 + std::log(0.5) + 0.5 * std::log(2 * M_PI)).epsilon(1e-5));
  CHECK(nll.total.item<double>() == Approx(nll.reconstruction.item<double>()));
}

TEST_CASE("np-vae: training steps on a fixed batch lower the loss", "[npvae]") {
  torch::manual_seed(3);
  due::NpVae model(tiny_architecture(8, 8));
  model->train();
  const due::NpVaeBatch batch = make_batch({0.25f, 0.5f, 0.75f, 0.5f}, {4, 2, 4, 6}, 8, 8);
  // Target: 0.05 wherever the boundaries differ, whatever the position: not the model's starting point p (1 - p)
  // of the blend, which peaks mid-gap, so the decoder has a correction to learn.
  const torch::Tensor target = 0.05 * (batch.context.narrow(1, 0, 1) - batch.context.narrow(1, 1, 1)).abs();
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(3e-3));
  double first = 0, last = 0;
  for (int step = 0; step < 150; ++step) {
    const torch::Tensor noise = model->latent_noise(batch.size(), 100 + step, torch::kCPU);
    const due::NpVaeLoss loss = due::np_vae_loss(model->forward_train(batch, target, noise), target,
                                                 due::Reconstruction::L1, 0.01);
    adam.zero_grad();
    loss.total.backward();
    adam.step();
    (step == 0 ? first : last) = loss.reconstruction.item<double>();
  }
  CHECK(last < 0.5 * first);
}

TEST_CASE("np-vae: architecture and weights round-trip through npvae.pt", "[npvae]") {
  due::test::ScratchDir dir;
  due::NpVaeArchitecture a = tiny_architecture(8, 6);
  a.reconstruction = due::Reconstruction::Gaussian;
  CHECK(due::NpVaeArchitecture::from_yaml(a.to_yaml()) == a);
  CHECK_THROWS_WITH(due::NpVaeArchitecture::from_yaml("height: 8\n"), Contains("width"));
  due::NpVae model = tiny_model(8, 6);
  due::CheckpointWriter writer(due::kNpVaeKind);
  writer.add_module("model", *model);
  writer.set("architecture", model->architecture().to_yaml());
  writer.save(dir.file("npvae.pt"));
  due::LoadedNpVae loaded = due::load_np_vae(dir.file("npvae.pt"), torch::kCPU);
  CHECK(loaded.architecture == model->architecture());
  const due::NpVaeBatch batch = make_batch({0.3f}, {3}, 8, 6);
  CHECK(torch::equal(loaded.model->predict(batch).variance, model->predict(batch).variance));

  due::CheckpointWriter other("due-classifier");
  other.save(dir.file("classifier.pt"));
  CHECK_THROWS_AS(due::load_np_vae(dir.file("classifier.pt"), torch::kCPU), due::InputError);
}
