#include <catch2/catch.hpp>

#include <cmath>

#include "diffusion/gap_filling.h"
#include "diffusion/interpolator_trainer.h"
#include "diffusion/shape_prior.h"
#include "diffusion/shape_prior_channel.h"
#include "imputation/classical.h"
#include "diffusion_support.h"
#include "support.h"
#include "util/errors.h"

using Catch::Matchers::Contains;

using Catch::Matchers::Contains;

namespace {

// A disc of radius r centred at (cy, cx) on an n x n slice, in {0, 1}.
std::vector<float> disc_slice(std::size_t n, double cy, double cx, double r) {
  std::vector<float> slice(n * n, 0.f);
  for (std::size_t y = 0; y < n; ++y)
    for (std::size_t x = 0; x < n; ++x)
      if (std::hypot(double(y) - cy, double(x) - cx) <= r) slice[y * n + x] = 1.f;
  return slice;
}

torch::Tensor model_range(const std::vector<float>& slice, std::int64_t n) {
  return torch::tensor(slice).view({n, n}) * 2.0 - 1.0;
}

due::InterpolatorArchitecture residual_architecture() {
  due::InterpolatorArchitecture a = due::test::tiny_interpolator_architecture(50);
  a.prediction = due::Prediction::X0;
  a.shape_prior = due::ShapePrior::Residual;
  due::apply_shape_prior(a.shape_prior, a.unet);
  return a;
}

}  // namespace

TEST_CASE("shape prior channel: the distance-map blend of the two boundaries at each row's position", "[diffusion]") {
  const std::int64_t n = 16;
  // Concentric discs of radius 2 and 6: the signed distances are r - 2 and r - 6 (up to the pixel grid), so the
  // blend at position t is zero at radius 2 + 4t: a disc of radius 4 in the middle (hand-derived).
  const auto small = disc_slice(n, 8, 8, 2), large = disc_slice(n, 8, 8, 6);
  const torch::Tensor conditions =
      torch::stack({torch::stack({model_range(small, n), model_range(large, n)}),
                    torch::stack({model_range(small, n), model_range(std::vector<float>(n * n, 0.f), n)}),
                    torch::stack({model_range(std::vector<float>(n * n, 0.f), n),
                                  model_range(std::vector<float>(n * n, 0.f), n)})});
  const torch::Tensor with_prior = due::with_shape_prior(conditions, torch::tensor({0.5f, 0.5f, 0.3f}));
  REQUIRE(with_prior.sizes() == torch::IntArrayRef({3, 3, n, n}));
  CHECK(torch::equal(with_prior.narrow(1, 0, 2), conditions));  // the boundaries pass through unchanged
  const torch::Tensor middle = (with_prior[0][2] + 1) / 2;
  const auto expected = disc_slice(n, 8, 8, 4);
  std::int64_t differing = 0;
  for (std::int64_t i = 0; i < n * n; ++i) differing += middle.view({-1})[i].item<float>() != expected[i];
  CHECK(differing <= 4);  // the pixel grid may flip a few pixels on the radius-4 circle, of 49 inside
  CHECK(middle.sum().item<float>() > 40);
  // Towards an empty boundary the shape shrinks to the other's centroid: half way, radius about 1.
  const float shrunk = ((with_prior[1][2] + 1) / 2).sum().item<float>();
  CHECK(shrunk >= 1);
  CHECK(shrunk < 13);  // strictly smaller than the radius-2 disc
  CHECK(with_prior[2][2].max().item<float>() == -1.f);  // two empty boundaries: empty
}

TEST_CASE("shape prior: the architecture records it, residual needs x0, old files read as none", "[diffusion]") {
  due::InterpolatorArchitecture a = residual_architecture();
  const due::InterpolatorArchitecture read = due::architecture_from_yaml(due::architecture_yaml(a), "i.pt");
  CHECK(read.shape_prior == due::ShapePrior::Residual);
  CHECK(read.unet.condition_channels == 3);
  CHECK(read.unet.residual_on_prior);
  CHECK(due::architecture_from_yaml("interpolator:\n  model:\n    width: 8\n", "old.pt").unet.condition_channels == 2);
  // The image condition adds three channels after the prior; the residual still adds the prior (channel 2).
  a.image_condition = due::ImageCondition::Slices;
  due::apply_image_condition(a.image_condition, a.unet);
  const due::InterpolatorArchitecture with_image = due::architecture_from_yaml(due::architecture_yaml(a), "i.pt");
  CHECK(with_image.image_condition == due::ImageCondition::Slices);
  CHECK(with_image.unet.condition_channels == 6);
  CHECK(with_image.unet.image_channels == 3);
  CHECK(with_image.unet.prior_channel);
  CHECK(due::architecture_from_yaml("interpolator:\n  model:\n    width: 8\n", "old.pt").image_condition ==
        due::ImageCondition::None);
  try {
    due::architecture_from_yaml("interpolator:\n  model:\n    shape_prior: residual\n    prediction: eps\n", "x.pt");
    FAIL("eps with a residual prior was accepted");
  } catch (const due::InputError& e) {
    CHECK_THAT(e.what(), Contains("interpolator.model.shape_prior") && Contains("x0"));
  }
}

TEST_CASE("shape prior residual: an untrained interpolator fills every gap with the shape-based interpolation",
          "[diffusion]") {
  // The output layer starts at zero, so x0 = prior at every reverse step: direct filling must reproduce
  // interpolate_shape (an independent path: whole-volume gaps with the dataset's spacing) slice for slice.
  const due::InterpolatorArchitecture a = residual_architecture();
  due::DiffusionUNet model(a.unet);
  model->eval();
  const due::NoiseSchedule schedule(a.schedule);
  const due::VolumeShape shape{9, 16, 16};
  const std::size_t area = 256;
  due::FillingJob job;
  job.annotated_slices = {0, 1, 0, 0, 1, 0, 0, 0, 1};
  job.sparse.assign(shape.voxels(), 0.f);
  const std::vector<std::vector<float>> boundaries{disc_slice(16, 7, 7, 2), disc_slice(16, 8, 9, 5),
                                                   std::vector<float>(area, 0.f)};
  const std::size_t annotated[] = {1, 4, 8};
  for (std::size_t k = 0; k < 3; ++k)
    std::copy(boundaries[k].begin(), boundaries[k].end(), job.sparse.begin() + std::ptrdiff_t(annotated[k] * area));
  job.seed = 5;
  due::FillingOptions options;
  options.repeats = 3;
  options.sampler.steps = 10;
  const auto filled =
      due::fill_gaps(*model, a.prediction, schedule, shape, {job}, options, torch::Device(torch::kCPU))[0];
  const auto shaped = due::interpolate_shape(job.sparse, shape, job.annotated_slices, {2.5, 0.7, 0.7});
  // The sampler gets the position as float32 (1/3 rounded) and in-plane pixels as square, interpolate_shape a
  // double position and the dataset's spacing: a pixel whose blended signed distance is exactly 0 (a tie on the
  // outline) may round either way, so a few outline pixels may differ; nothing else may.
  std::size_t foreground = 0, differing = 0;
  for (std::size_t i = 0; i < shape.voxels(); ++i) {
    INFO("voxel " << i);
    differing += std::abs(filled.mean[i] - shaped[i]) > 1e-5f;
    REQUIRE(filled.variance[i] == Approx(0.0).margin(1e-6));
    foreground += shaped[i] > 0.5f;
  }
  CHECK(foreground > 100);  // the test is not about empty slices
  CHECK(differing <= 2);

  // With the image as three more channels, the residual still adds the prior (channel 2), so an untrained network
  // still returns it whatever the image holds; a job without the image is refused by such a network.
  due::InterpolatorArchitecture seeing = a;
  seeing.image_condition = due::ImageCondition::Slices;
  due::apply_image_condition(seeing.image_condition, seeing.unet);
  due::DiffusionUNet seeing_model(seeing.unet);
  seeing_model->eval();
  due::FillingJob with_image = job;
  with_image.image.resize(shape.voxels());
  for (std::size_t i = 0; i < shape.voxels(); ++i) with_image.image[i] = float(i % 7) / 6.f;
  const auto seen = due::fill_gaps(*seeing_model, seeing.prediction, schedule, shape, {with_image}, options,
                                   torch::Device(torch::kCPU))[0];
  CHECK(seen.mean == filled.mean);
  CHECK_THROWS_WITH(due::fill_gaps(*seeing_model, seeing.prediction, schedule, shape, {job}, options,
                                   torch::Device(torch::kCPU)),
                    Contains("image"));
}

TEST_CASE("shape prior in training: the untrained residual loss is the prior's error, dropped boundaries keep it",
          "[diffusion]") {
  // Volume: discs of radius 2 (z 0), 4 (z 1) and 6 (z 2); the triple (0, 1, 2) asks for z 1 from z 0 and z 2.
  torch::Tensor volume = torch::zeros({3, 16, 16});
  for (std::int64_t z = 0; z < 3; ++z) volume[z] = torch::tensor(disc_slice(16, 8, 8, 2.0 + 2.0 * double(z))).view({16, 16});
  const due::TripleBatch batch = due::make_triple_batch({{0, 0, 1, 2}}, {volume});
  const torch::Tensor prior = due::with_shape_prior(batch.conditions, batch.position).narrow(1, 2, 1);
  // x0 = prior + 0, targets and prior in {-1, 1}: the MSE is 4 x the share of pixels where they differ.
  const double expected = torch::mse_loss(prior, batch.target).item<double>();
  const double differing = (prior != batch.target).to(torch::kFloat64).mean().item<double>();
  CHECK(expected == Approx(4 * differing));
  CHECK(differing < 0.02);  // the blend of radius 2 and 6 is the radius-4 disc up to a few pixels
  due::InterpolatorTrainingConfig config;
  config.condition_drop = 1.0;  // both boundaries zeroed in every row: only the prior is left
  due::InterpolatorTrainer trainer(residual_architecture(), config, torch::Device(torch::kCPU));
  CHECK(trainer.loss(batch, 1) == Approx(expected).margin(1e-7));
  CHECK(trainer.loss(batch, 2) == Approx(expected).margin(1e-7));
}
