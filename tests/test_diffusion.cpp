#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>
#include <random>

#include "data/gaps.h"
#include "diffusion/gap_filling.h"
#include "diffusion/gap_queries.h"
#include "diffusion/interpolator_trainer.h"
#include "diffusion/samplers.h"
#include "diffusion/schedule.h"
#include "diffusion/training_triples.h"
#include "diffusion/triple_augmentation.h"
#include "io/provenance.h"
#include "diffusion_support.h"
#include "support.h"

namespace {

constexpr due::Prediction kEps = due::Prediction::Eps;

using due::test::perturbed_unet;
using due::test::tiny_interpolator_architecture;

// A disc of radius r on slice z of a [D, n, n] mask.
void disc(torch::Tensor& volume, std::int64_t z, double r) {
  const std::int64_t n = volume.size(1);
  for (std::int64_t y = 0; y < n; ++y)
    for (std::int64_t x = 0; x < n; ++x)
      if (std::hypot(double(y) - n / 2.0, double(x) - n / 2.0) <= r) volume[z][y][x] = 1.f;
}

float max_abs(const std::vector<float>& values, std::size_t from, std::size_t to) {
  float m = 0;
  for (std::size_t i = from; i < to; ++i) m = std::max(m, std::abs(values[i]));
  return m;
}

float max_abs_difference(const std::vector<float>& a, const std::vector<float>& b, std::size_t from, std::size_t to) {
  float m = 0;
  for (std::size_t i = from; i < to; ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

float min_value(const std::vector<float>& values, std::size_t from, std::size_t to) {
  float m = values[from];
  for (std::size_t i = from; i < to; ++i) m = std::min(m, values[i]);
  return m;
}

}  // namespace

TEST_CASE("diffusion UNet maps [B,1,H,W] with conditions to a noise map of the same shape", "[diffusion]") {
  const due::InterpolatorArchitecture a = tiny_interpolator_architecture();
  due::DiffusionUNet model(a.unet);
  const auto out = model->forward(torch::randn({3, 1, 8, 16}), torch::randn({3, 2, 8, 16}),
                                  torch::tensor({0, 5, 99}), torch::tensor({0.25f, 0.5f, 0.75f}),
                                  torch::tensor({4.f, 2.f, 4.f}));
  CHECK(out.sizes() == torch::IntArrayRef({3, 1, 8, 16}));
  // H and W must halve evenly at every level
  CHECK_THROWS_AS(model->forward(torch::randn({1, 1, 7, 8}), torch::randn({1, 2, 7, 8}), torch::tensor({0}),
                                 torch::tensor({0.5f}), torch::tensor({2.f})),
                  std::invalid_argument);
}

TEST_CASE("noise schedule: alpha-bar and posterior closed forms against hand values", "[diffusion]") {
  due::ScheduleConfig c;
  c.steps = 3;  // beta = 1e-4, 0.01005, 0.02
  const due::NoiseSchedule s(c);
  CHECK(s.beta(1) == Approx(0.01005));
  // alpha_bar: 0.9999; 0.9999 * 0.98995 = 0.989851005; * 0.98 = 0.970053985
  CHECK(s.alpha_bar(0) == Approx(0.9999).epsilon(1e-12));
  CHECK(s.alpha_bar(1) == Approx(0.989851005).epsilon(1e-12));
  CHECK(s.alpha_bar(2) == Approx(0.970053985).epsilon(1e-9));
  // posterior variance beta_t (1 - abar_{t-1}) / (1 - abar_t): 0 at t = 0,
  // 0.01005 * 1e-4 / 0.010148995 = 9.90246e-5, 0.02 * 0.010148995 / 0.029946015 = 6.77819e-3
  CHECK(s.posterior_variance(0) == 0.0);
  CHECK(s.posterior_variance(1) == Approx(9.90245832e-5).epsilon(1e-8));
  CHECK(s.posterior_variance(2) == Approx(6.77819400e-3).epsilon(1e-8));
  // posterior mean coefficients at t = 2: beta sqrt(abar_1) / (1 - abar_2), (1 - abar_1) sqrt(alpha_2) / (1 - abar_2)
  CHECK(s.posterior_coef_x0(2) == Approx(0.664470754).epsilon(1e-8));
  CHECK(s.posterior_coef_xt(2) == Approx(0.335503486).epsilon(1e-8));

  due::ScheduleConfig cosine;
  cosine.kind = due::BetaSchedule::Cosine;
  cosine.steps = 1000;
  const due::NoiseSchedule cs(cosine);
  // alpha_bar(t) = f(t + 1) / f(0), f(u) = cos^2((u / T + s) / (1 + s) * pi / 2), s = 0.008 (no clipping mid-way)
  const auto f = [](double u) { return std::pow(std::cos((u / 1000.0 + 0.008) / 1.008 * M_PI / 2), 2); };
  CHECK(cs.alpha_bar(499) == Approx(f(500) / f(0)).epsilon(1e-9));

  due::ScheduleConfig thousand;
  const due::NoiseSchedule ts(thousand);
  CHECK(ts.strided_steps(3) == std::vector<std::size_t>{999, 500, 0});
  CHECK(ts.strided_steps(1000).front() == 999);
  CHECK(ts.strided_steps(1000).back() == 0);
}

TEST_CASE("training triples are annotated slices only, at their true position and span, with foreground",
          "[diffusion]") {
  // Volume 0: annotated 0, 3, 7, 9; volume 1: annotated 0, 2, 4 (every slice's foreground flag given, but only the
  // annotated ones may matter). Volume 1 has foreground nowhere on its annotated slices: no triple.
  const std::vector<std::vector<std::uint8_t>> layouts{{1, 0, 0, 1, 0, 0, 0, 1, 0, 1}, {1, 0, 1, 0, 1}};
  const std::vector<std::vector<std::uint8_t>> foreground{{0, 1, 1, 0, 1, 1, 1, 1, 0, 0}, {0, 1, 0, 1, 0}};
  const auto consecutive = due::annotated_triples(layouts, foreground, due::TripleChoice::Consecutive);
  // (0, 3, 7) and (3, 7, 9) both hold slice 7's foreground.
  REQUIRE(consecutive.size() == 2);
  CHECK((consecutive[0].before == 0 && consecutive[0].target == 3 && consecutive[0].after == 7));
  CHECK(consecutive[0].position() == Approx(3.0 / 7.0));
  CHECK((consecutive[1].before == 3 && consecutive[1].target == 7 && consecutive[1].after == 9));
  // Nested: every i < j < l of {0, 3, 7, 9} holds slice 7 except (0, 3, 9).
  const auto nested = due::annotated_triples(layouts, foreground, due::TripleChoice::Nested);
  CHECK(nested.size() == 3);
  for (const due::SliceTriple& t : nested) {
    CHECK(t.volume == 0);
    CHECK(!(t.before == 0 && t.target == 3 && t.after == 9));
  }
  // Foreground only off the annotated slices counts for nothing.
  const std::vector<std::vector<std::uint8_t>> between{{0, 1, 1, 0, 1, 1, 1, 0, 1, 0}};
  CHECK(due::annotated_triples({layouts[0]}, between, due::TripleChoice::Nested).empty());

  std::mt19937_64 rng(3);
  for (int i = 0; i < 50; ++i) {
    const due::SliceTriple t = due::draw_triple(nested, rng);
    CHECK(layouts[0][t.before] == 1);
    CHECK(layouts[0][t.target] == 1);
    CHECK(layouts[0][t.after] == 1);
  }
  CHECK_THROWS_AS(due::draw_triple({}, rng), std::invalid_argument);
  CHECK(due::parse_triple_choice("nested") == due::TripleChoice::Nested);
  CHECK_THROWS_AS(due::parse_triple_choice("windows"), std::invalid_argument);
}

TEST_CASE("one training step lowers the loss on a fixed batch, resume continues from the checkpoint's step",
          "[diffusion]") {
  torch::manual_seed(1);
  torch::Tensor volume = torch::zeros({8, 8, 8});
  for (std::int64_t z = 1; z < 7; ++z) disc(volume, z, 1.0 + 0.4 * double(z));
  const std::vector<torch::Tensor> volumes{volume};
  const due::TripleBatch batch =
      due::make_triple_batch({{0, 0, 1, 3}, {0, 2, 4, 5}, {0, 3, 5, 7}, {0, 1, 4, 7}}, volumes);
  CHECK(batch.target.sizes() == torch::IntArrayRef({4, 1, 8, 8}));
  CHECK(batch.conditions.sizes() == torch::IntArrayRef({4, 2, 8, 8}));
  CHECK(batch.position[1].item<float>() == Approx(2.0 / 3.0));
  CHECK(batch.gap_length[3].item<float>() == 6.f);
  // masks become -1 / 1: slice 0 is empty
  CHECK(batch.conditions[0][0].max().item<float>() == -1.f);

  due::InterpolatorTrainingConfig config;
  config.learning_rate = 1e-3;
  const torch::Device cpu(torch::kCPU);
  due::InterpolatorTrainer trainer(tiny_interpolator_architecture(), config, cpu);
  const double before = trainer.loss(batch, 42);
  CHECK(trainer.step(batch, 42) == Approx(before));
  const double after = trainer.loss(batch, 42);
  CHECK(after < before);
  CHECK(trainer.steps_done() == 1);

  due::test::ScratchDir dir;
  trainer.step(batch, 43);
  trainer.save_checkpoint(dir.file("c.pt"), due::make_provenance("due-test"));
  due::InterpolatorTrainer resumed(tiny_interpolator_architecture(), config, cpu);
  resumed.load_checkpoint(dir.file("c.pt"));
  CHECK(resumed.steps_done() == 2);
  // The resumed trainer takes the same next step as the one that never stopped (optimizer state included).
  CHECK(resumed.step(batch, 44) == Approx(trainer.step(batch, 44)).epsilon(1e-6));
  const auto p = trainer.ema()->parameters(), q = resumed.ema()->parameters();
  for (std::size_t i = 0; i < p.size(); ++i) CHECK(torch::allclose(p[i], q[i], 1e-5, 1e-6));
  // interpolator.pt holds the EMA weights and rebuilds without the training config
  trainer.save_model(dir.file("i.pt"), due::make_provenance("due-test"));
  const due::LoadedInterpolator loaded = due::load_interpolator(dir.file("i.pt"), cpu);
  CHECK(loaded.architecture.unet.width == 8);
  CHECK(loaded.architecture.schedule.steps == 100);
  const auto l = loaded.model->parameters();
  for (std::size_t i = 0; i < p.size(); ++i) CHECK(torch::equal(p[i], l[i]));
}

TEST_CASE("x_0-prediction: the loss compares the output with the clean slice, the model file records it",
          "[diffusion]") {
  torch::Tensor volume = torch::zeros({8, 8, 8});
  for (std::int64_t z = 1; z < 7; ++z) disc(volume, z, 1.0 + 0.4 * double(z));
  const due::TripleBatch batch = due::make_triple_batch({{0, 0, 1, 3}, {0, 2, 4, 7}}, {volume});
  due::InterpolatorArchitecture architecture = tiny_interpolator_architecture();
  architecture.prediction = due::Prediction::X0;
  const torch::Device cpu(torch::kCPU);
  due::InterpolatorTrainer trainer(architecture, due::InterpolatorTrainingConfig{}, cpu);
  // The untrained output layer is zero, and every target voxel is -1 or 1: the x_0 MSE is exactly 1 whatever the
  // noise (an eps loss would be the mean square of the drawn noise instead).
  CHECK(trainer.loss(batch, 1) == Approx(1.0).epsilon(1e-6));
  CHECK(trainer.loss(batch, 2) == Approx(1.0).epsilon(1e-6));
  due::test::ScratchDir dir;
  trainer.save_model(dir.file("i.pt"), due::make_provenance("due-test"));
  CHECK(due::load_interpolator(dir.file("i.pt"), cpu).architecture.prediction == due::Prediction::X0);
  // A file from before the option (no prediction key) reads as eps.
  CHECK(due::architecture_from_yaml("interpolator:\n  model:\n    width: 8\n", "old.pt").prediction ==
        due::Prediction::Eps);
}

TEST_CASE("DDIM and DDPM sampling are deterministic per row seed and independent of batch neighbours",
          "[diffusion]") {
  const due::InterpolatorArchitecture a = tiny_interpolator_architecture(100);
  // Perturbed weights: an untrained UNet returns eps = 0 whatever its conditions, and nothing below could fail
  // because of what a row is conditioned on.
  due::DiffusionUNet model = perturbed_unet(a);
  const due::NoiseSchedule schedule(a.schedule);
  torch::manual_seed(5);
  const torch::Tensor conditions = torch::rand({2, 2, 8, 8}) * 2 - 1;
  due::SliceQuery query{conditions, torch::tensor({0.25f, 0.5f}), torch::tensor({2.f, 3.f})};
  due::SamplerConfig ddim;
  ddim.steps = 10;
  const auto x = due::sample_slices(*model, kEps, schedule, ddim, query, {7, 8});
  CHECK(torch::equal(x, due::sample_slices(*model, kEps, schedule, ddim, query, {7, 8})));
  CHECK_FALSE(torch::equal(x[0], x[1]));
  // A row does not depend on its batch neighbours: alone, row 1 gives the same slice ...
  due::SliceQuery single{conditions.slice(0, 1, 2), torch::tensor({0.5f}), torch::tensor({3.f})};
  CHECK(torch::allclose(x[1], due::sample_slices(*model, kEps, schedule, ddim, single, {8})[0], 1e-5, 1e-5));
  // ... and other conditions for row 0 change row 0 (the conditions reach the network) but not row 1.
  due::SliceQuery other = query;
  other.conditions = conditions.clone();
  other.conditions[0] = -other.conditions[0];
  const auto x_other = due::sample_slices(*model, kEps, schedule, ddim, other, {7, 8});
  CHECK((x_other[0] - x[0]).abs().max().item<float>() > 1e-3f);
  CHECK(torch::allclose(x_other[1], x[1], 1e-5, 1e-5));
  // So does another position or gap length for the same conditions and seed.
  due::SliceQuery moved = query;
  moved.position = torch::tensor({0.75f, 0.5f});
  moved.gap_length = torch::tensor({2.f, 5.f});
  const auto x_moved = due::sample_slices(*model, kEps, schedule, ddim, moved, {7, 8});
  CHECK((x_moved[0] - x[0]).abs().max().item<float>() > 1e-3f);
  CHECK((x_moved[1] - x[1]).abs().max().item<float>() > 1e-3f);

  due::SamplerConfig ddpm;
  ddpm.kind = due::SamplerKind::Ddpm;
  ddpm.steps = 10;
  const auto y = due::sample_slices(*model, kEps, schedule, ddpm, query, {7, 8});
  CHECK(torch::equal(y, due::sample_slices(*model, kEps, schedule, ddpm, query, {7, 8})));
  CHECK(y.min().item<float>() >= -1.f);
  CHECK(y.max().item<float>() <= 1.f);
}

namespace {

// A known clean batch in [-1, 1]: a disc (+1) on background (-1), shifted per row.
torch::Tensor oracle_x0(std::int64_t rows, std::int64_t n) {
  torch::Tensor x0 = -torch::ones({rows, 1, n, n});
  for (std::int64_t b = 0; b < rows; ++b)
    for (std::int64_t y = 0; y < n; ++y)
      for (std::int64_t x = 0; x < n; ++x)
        if (std::hypot(double(y - n / 2 - b), double(x - n / 2)) <= n / 4.0) x0[b][0][y][x] = 1.f;
  return x0;
}

// What a sampler showed its denoiser: x_t and the timestep, per call.
struct DenoiserCall {
  torch::Tensor x;
  std::int64_t t;
};

// The perfect denoiser for a known x_0: the eps (or x_0) that explains x_t at the noise level of timestep t,
// computed with the schedule's alpha_bar(t) independently of the sampler.
due::Denoiser oracle(const torch::Tensor& x0, const due::NoiseSchedule& schedule, due::Prediction prediction,
                     std::vector<DenoiserCall>& calls) {
  return [&, x0, prediction](const torch::Tensor& x, const torch::Tensor& timestep) {
    const std::int64_t t = timestep[0].item<std::int64_t>();
    REQUIRE(torch::all(timestep == t).item<bool>());
    calls.push_back({x.clone(), t});
    if (prediction == due::Prediction::X0) return x0.clone();
    const double a = schedule.alpha_bar(static_cast<std::size_t>(t));
    return (x - std::sqrt(a) * x0) / std::sqrt(1.0 - a);
  };
}

// (x_t - sqrt(alpha_bar_t) x_0) / sqrt(1 - alpha_bar_t): the noise x_t carries at timestep t.
torch::Tensor implied_noise(const DenoiserCall& call, const torch::Tensor& x0, const due::NoiseSchedule& schedule) {
  const double a = schedule.alpha_bar(static_cast<std::size_t>(call.t));
  return (call.x - std::sqrt(a) * x0) / std::sqrt(1.0 - a);
}

}  // namespace

TEST_CASE("samplers with an oracle denoiser return the known x_0, the network sees x_t at the noise of its t",
          "[diffusion]") {
  due::ScheduleConfig config;
  config.steps = 1000;
  const due::NoiseSchedule schedule(config);
  const torch::Tensor x0 = oracle_x0(2, 32);
  const torch::Device cpu(torch::kCPU);

  for (const due::Prediction prediction : {due::Prediction::Eps, due::Prediction::X0})
    for (const std::size_t steps : {std::size_t(1000), std::size_t(50), std::size_t(7)}) {
      INFO(due::prediction_name(prediction) << ", " << steps << " steps");
      SECTION("DDIM eta 0") {
        std::vector<DenoiserCall> calls;
        due::SamplerConfig ddim;
        ddim.steps = steps;
        const torch::Tensor x = due::run_reverse_process(oracle(x0, schedule, prediction, calls), prediction,
                                                         schedule, ddim, 32, 32, cpu, {3, 4});
        CHECK(torch::allclose(x, x0, 0, 1e-4));
        // Integer timesteps 0..T-1 as in training, from T-1 (pure noise) down to 0, evenly strided.
        REQUIRE(calls.size() == steps);
        CHECK(calls.front().t == 999);
        CHECK(calls.back().t == 0);
        for (std::size_t i = 1; i < calls.size(); ++i) CHECK(calls[i].t < calls[i - 1].t);
        // Deterministic DDIM keeps the starting noise: every x_t is sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps*.
        const torch::Tensor start_noise = implied_noise(calls.front(), x0, schedule);
        for (const DenoiserCall& call : calls) {
          INFO("t = " << call.t);
          CHECK(torch::allclose(implied_noise(call, x0, schedule), start_noise, 0, 2e-3));
        }
      }
      SECTION("strided DDPM") {
        std::vector<DenoiserCall> calls;
        due::SamplerConfig ddpm;
        ddpm.kind = due::SamplerKind::Ddpm;
        ddpm.steps = steps;
        const torch::Tensor x = due::run_reverse_process(oracle(x0, schedule, prediction, calls), prediction,
                                                         schedule, ddpm, 32, 32, cpu, {3, 4});
        CHECK(torch::allclose(x, x0, 0, 1e-4));
        REQUIRE(calls.size() == steps);
        // The posterior of the strided chain puts x_t at exactly the marginal noise level of t: its implied
        // noise is standard normal (2048 values: the standard deviation is within 0.1 of 1 by a wide margin).
        for (const DenoiserCall& call : calls) {
          INFO("t = " << call.t);
          const torch::Tensor noise = implied_noise(call, x0, schedule);
          CHECK(std::abs(noise.mean().item<double>()) < 0.1);
          CHECK(noise.std().item<double>() == Approx(1.0).margin(0.1));
        }
      }
    }
}

TEST_CASE("a clipped x_0 estimate comes with the eps that explains x_t, so DDIM keeps the noise level", "[diffusion]") {
  // Hand case: alpha_bar 0.36 (signal 0.6, noise 0.8). x_t = 1.4 with eps = 0.25 implies x_0 = 2, clipped to 1;
  // then eps = (1.4 - 0.6) / 0.8 = 1.
  const auto estimate =
      due::denoised_estimate(torch::tensor({0.25f}), due::Prediction::Eps, torch::tensor({1.4f}), 0.36);
  CHECK(estimate.x0.item<float>() == Approx(1.0f));
  CHECK(estimate.eps.item<float>() == Approx(1.0f));
  const auto from_x0 = due::denoised_estimate(torch::tensor({-3.f}), due::Prediction::X0, torch::tensor({0.2f}), 0.36);
  CHECK(from_x0.x0.item<float>() == Approx(-1.0f));
  CHECK(from_x0.eps.item<float>() == Approx((0.2 + 0.6) / 0.8));

  // A denoiser that always answers eps = 0 (an untrained network) claims x_0 = x_t / sqrt(abar), far outside
  // [-1, 1] at high noise. With eps re-derived from the clipped x_0, the chain still hands the network inputs at
  // the noise level of their timestep (implied noise of the clipped estimate ~ N(0, 1)), instead of collapsing to
  // sqrt(abar_s) x_0 with almost no noise.
  due::ScheduleConfig config;
  config.steps = 1000;
  const due::NoiseSchedule schedule(config);
  std::vector<DenoiserCall> calls;
  const due::Denoiser zero = [&](const torch::Tensor& x, const torch::Tensor& timestep) {
    calls.push_back({x.clone(), timestep[0].item<std::int64_t>()});
    return torch::zeros_like(x);
  };
  due::SamplerConfig ddim;
  ddim.steps = 10;
  due::run_reverse_process(zero, due::Prediction::Eps, schedule, ddim, 32, 32, torch::Device(torch::kCPU), {5, 6});
  REQUIRE(calls.size() == 10);
  for (const DenoiserCall& call : calls) {
    const double a = schedule.alpha_bar(static_cast<std::size_t>(call.t));
    if (a > 0.5) continue;  // below half signal the noise must dominate x_t
    INFO("t = " << call.t << ", alpha_bar " << a);
    CHECK(call.x.std().item<double>() > 0.9 * std::sqrt(1.0 - a));
  }
}

TEST_CASE("gap filling writes exactly the missing slices, variance is 0 for T = 1 and never negative",
          "[diffusion]") {
  const due::InterpolatorArchitecture a = tiny_interpolator_architecture(50);
  due::DiffusionUNet model = perturbed_unet(a);  // an untrained UNet would ignore what it is conditioned on
  const due::NoiseSchedule schedule(a.schedule);
  const due::VolumeShape shape{8, 8, 8};
  const std::size_t area = 64;
  // annotated 1, 3, 6: gaps {2} and {4, 5}; slices 0 and 7 lie outside every gap
  due::FillingJob job;
  job.annotated_slices = {0, 1, 0, 1, 0, 0, 1, 0};
  job.sparse.assign(shape.voxels(), 0.5f);  // non-annotated content must be ignored
  for (std::size_t z : {1, 3, 6})
    for (std::size_t i = 0; i < area; ++i) job.sparse[z * area + i] = (i % 3 == 0) ? 1.f : 0.f;
  for (std::size_t i = 0; i < area; ++i) job.sparse[6 * area + i] = 0.f;  // one empty boundary is still sampled
  job.seed = 11;
  // a second volume whose only gap lies between two empty slices: skipped, stays empty
  due::FillingJob empty_gap;
  empty_gap.annotated_slices = {1, 0, 0, 1, 1, 1, 1, 1};
  empty_gap.sparse.assign(shape.voxels(), 0.f);
  for (std::size_t z = 4; z < 8; ++z) empty_gap.sparse[z * area] = 1.f;
  empty_gap.seed = 12;

  due::FillingOptions options;
  options.repeats = 4;
  options.sampler.steps = 5;
  options.batch_size = 64;
  CHECK(due::slices_to_sample(shape, {job, empty_gap}, options) == 3 * 4);
  std::size_t reported = 0;
  const auto filled = due::fill_gaps(*model, kEps, schedule, shape, {job, empty_gap}, options,
                                     torch::Device(torch::kCPU),
                                     [&](std::size_t n) { reported += n; });
  CHECK(reported == 12);
  REQUIRE(filled.size() == 2);
  const auto& f = filled[0];
  for (std::size_t z = 0; z < 8; ++z) {
    INFO("slice " << z);
    const std::size_t from = z * area, to = from + area;
    CHECK(min_value(f.variance, 0, shape.voxels()) >= 0.f);
    if (z == 2 || z == 4 || z == 5) {
      CHECK(max_abs(f.variance, from, to) > 0.f);  // sampled: the T fillings differ
    } else {
      CHECK(max_abs(f.variance, from, to) == 0.f);
      // annotated slices as given; slices outside gaps carry the nearest annotated slice
      const std::size_t source = z == 0 ? 1 : z == 7 ? 6 : z;
      for (std::size_t i = 0; i < area; ++i) CHECK(f.mean[from + i] == job.sparse[source * area + i]);
    }
  }
  CHECK(max_abs(filled[1].mean, area, 3 * area) == 0.f);
  CHECK(max_abs(filled[1].variance, 0, shape.voxels()) == 0.f);

  // Batching does not change the result: one slice per network call gives the same volumes.
  options.batch_size = 1;
  const auto one_by_one =
      due::fill_gaps(*model, kEps, schedule, shape, {job}, options, torch::Device(torch::kCPU));
  for (std::size_t i = 0; i < shape.voxels(); ++i) REQUIRE(one_by_one[0].mean[i] == Approx(f.mean[i]).margin(1e-5));
  // What lies on non-annotated slices is never read; what lies on an annotated boundary is.
  due::FillingJob other_hidden = job;
  for (std::size_t z : {0, 2, 4, 5, 7})
    for (std::size_t i = 0; i < area; ++i) other_hidden.sparse[z * area + i] = (i % 2 == 0) ? 1.f : 0.f;
  const auto hidden_changed =
      due::fill_gaps(*model, kEps, schedule, shape, {other_hidden}, options, torch::Device(torch::kCPU));
  CHECK(hidden_changed[0].mean == one_by_one[0].mean);
  CHECK(hidden_changed[0].variance == one_by_one[0].variance);
  due::FillingJob other_boundary = job;
  for (std::size_t i = 0; i < area; ++i) other_boundary.sparse[3 * area + i] = 1.f - job.sparse[3 * area + i];
  const auto boundary_changed =
      due::fill_gaps(*model, kEps, schedule, shape, {other_boundary}, options, torch::Device(torch::kCPU));
  CHECK(max_abs_difference(boundary_changed[0].mean, one_by_one[0].mean, 2 * area, 3 * area) > 1e-3f);

  options.repeats = 1;
  const auto single = due::fill_gaps(*model, kEps, schedule, shape, {job}, options, torch::Device(torch::kCPU));
  CHECK(max_abs(single[0].variance, 0, shape.voxels()) == 0.f);
  CHECK(max_abs(single[0].mean, 2 * area, 3 * area) > 0.f);
}

TEST_CASE("gap query plans: direct asks every missing slice from the gap's boundaries in one round, sequential "
          "from the slice below it, round by round",
          "[diffusion]") {
  const due::Gap gap{3, 7};  // missing 4, 5, 6
  const auto direct = due::plan_gap(gap, due::GapFill::Direct);
  REQUIRE(direct.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(direct[i].z == 4 + i);
    CHECK(direct[i].lower == 3);
    CHECK(direct[i].upper == 7);
    CHECK(direct[i].round == 0);
    CHECK(direct[i].position() == Approx(gap.position(4 + i)));
    CHECK(direct[i].span() == 4.0);
  }
  const auto sequential = due::plan_gap(gap, due::GapFill::Sequential);
  REQUIRE(sequential.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(sequential[i].z == 4 + i);
    CHECK(sequential[i].lower == 3 + i);
    CHECK(sequential[i].upper == 7);
    CHECK(sequential[i].round == i);
    CHECK(sequential[i].span() == double(4 - i));
    CHECK(sequential[i].position() == Approx(1.0 / double(4 - i)));
  }
  CHECK(due::parse_gap_fill("direct") == due::GapFill::Direct);
  CHECK(due::parse_gap_fill("sequential") == due::GapFill::Sequential);
  CHECK_THROWS_AS(due::parse_gap_fill("mcvd"), std::invalid_argument);
  CHECK(std::string(due::gap_fill_name(due::GapFill::Direct)) == "direct");
}

namespace {

// What fill_gaps asked the network, one entry per row of every call, and what it got back.
struct RecordedRow {
  torch::Tensor lower, upper, output;  // [H, W] in [-1, 1]
  float position, span;
  std::uint64_t seed;
  std::size_t call;
};

}  // namespace

TEST_CASE("direct gap filling conditions every query on the gap's two annotated boundaries at the slice's "
          "position and the gap's span; mean and population variance of the T returned slices; deterministic and "
          "independent of batching",
          "[diffusion]") {
  const due::InterpolatorArchitecture a = tiny_interpolator_architecture(50);
  due::DiffusionUNet model = perturbed_unet(a);
  const due::NoiseSchedule schedule(a.schedule);
  const due::VolumeShape shape{8, 8, 8};
  const std::size_t area = 64;
  // annotated 1, 3, 7: gaps {2} and {4, 5, 6}; each annotated slice a distinct pattern, junk elsewhere
  due::FillingJob job;
  job.annotated_slices = {0, 1, 0, 1, 0, 0, 0, 1};
  job.sparse.assign(shape.voxels(), 0.5f);
  const std::vector<std::size_t> annotated{1, 3, 7};
  for (std::size_t z : annotated)
    for (std::size_t i = 0; i < area; ++i) job.sparse[z * area + i] = (i % (z + 1) == 0) ? 1.f : 0.f;
  job.seed = 21;
  const auto annotated_slice = [&](std::size_t z) {
    return due::to_model_range(torch::tensor(std::vector<float>(job.sparse.begin() + z * area,
                                                                job.sparse.begin() + (z + 1) * area)).view({8, 8}));
  };

  due::FillingOptions options;
  options.fill = due::GapFill::Direct;
  options.repeats = 3;
  options.sampler.steps = 4;
  options.batch_size = 64;
  const auto run = [&](const due::FillingOptions& o, std::vector<RecordedRow>& rows) {
    std::size_t calls = 0;
    const due::SliceSampler recorder = [&](const due::SliceQuery& query, const std::vector<std::uint64_t>& seeds) {
      const torch::Tensor out = due::sample_slices(*model, kEps, schedule, o.sampler, query, seeds);
      for (std::int64_t b = 0; b < query.conditions.size(0); ++b)
        rows.push_back({query.conditions[b][0].clone(), query.conditions[b][1].clone(), out[b][0].clone(),
                        query.position[b].item<float>(), query.gap_length[b].item<float>(),
                        seeds[static_cast<std::size_t>(b)], calls});
      ++calls;
      return out;
    };
    return due::fill_gaps(recorder, shape, {job}, o, torch::Device(torch::kCPU));
  };

  std::vector<RecordedRow> rows;
  const auto filled = run(options, rows);
  REQUIRE(filled.size() == 1);
  // One query per missing slice and repeat, all in one network call (one round, batch large enough).
  REQUIRE(rows.size() == 4 * options.repeats);
  CHECK(rows.back().call == 0);
  std::map<std::size_t, std::vector<torch::Tensor>> outputs;  // by slice
  for (const RecordedRow& row : rows) {
    // Identify the boundaries by content: they must be annotated slices, and a gap's two ends.
    std::size_t before = 99, after = 99;
    for (std::size_t z : annotated) {
      if (torch::equal(row.lower, annotated_slice(z))) before = z;
      if (torch::equal(row.upper, annotated_slice(z))) after = z;
    }
    INFO("position " << row.position << ", span " << row.span);
    REQUIRE(((before == 1 && after == 3) || (before == 3 && after == 7)));
    CHECK(row.span == float(after - before));
    const double offset = row.position * row.span;
    const auto z = static_cast<std::size_t>(std::lround(before + offset));
    CHECK(offset == Approx(std::round(offset)).margin(1e-5));
    REQUIRE((z > before && z < after));
    CHECK(row.position == Approx(double(z - before) / double(after - before)));
    outputs[z].push_back(row.output);
  }
  REQUIRE(outputs.size() == 4);
  // The volume's slice z is the mean of its T returned slices, its variance their population variance.
  for (const auto& [z, slices] : outputs) {
    INFO("slice " << z);
    REQUIRE(slices.size() == options.repeats);
    const torch::Tensor values = due::from_model_range(torch::stack(slices));
    const torch::Tensor mean = values.mean(0).flatten(), variance = values.var(0, false).flatten();
    CHECK(max_abs(filled[0].variance, z * area, (z + 1) * area) > 0.f);
    for (std::size_t i = 0; i < area; ++i) {
      CHECK(filled[0].mean[z * area + i] == Approx(mean[i].item<float>()).margin(1e-6));
      CHECK(filled[0].variance[z * area + i] == Approx(variance[i].item<float>()).margin(1e-6));
    }
  }

  // Same seed, same volumes, bit for bit; batching one slice per call changes nothing but the number of calls.
  std::vector<RecordedRow> again_rows, single_rows;
  const auto again = run(options, again_rows);
  CHECK(again[0].mean == filled[0].mean);
  CHECK(again[0].variance == filled[0].variance);
  due::FillingOptions one_by_one = options;
  one_by_one.batch_size = 1;
  const auto single = run(one_by_one, single_rows);
  CHECK(single_rows.back().call == single_rows.size() - 1);
  for (std::size_t i = 0; i < shape.voxels(); ++i) {
    REQUIRE(single[0].mean[i] == Approx(filled[0].mean[i]).margin(1e-5));
    REQUIRE(single[0].variance[i] == Approx(filled[0].variance[i]).margin(1e-5));
  }
  // Another seed, other fillings.
  due::FillingJob reseeded = job;
  reseeded.seed = 22;
  CHECK(due::fill_gaps(*model, kEps, schedule, shape, {reseeded}, options, torch::Device(torch::kCPU))[0].mean !=
        filled[0].mean);

  // Sequential, for contrast: three rounds, and the deeper slices of the long gap condition on generated slices.
  due::FillingOptions sequential = options;
  sequential.fill = due::GapFill::Sequential;
  std::vector<RecordedRow> seq_rows;
  run(sequential, seq_rows);
  REQUIRE(seq_rows.size() == rows.size());
  CHECK(seq_rows.back().call == 2);
  std::size_t on_generated = 0;
  for (const RecordedRow& row : seq_rows)
    if (row.call > 0) {
      CHECK_FALSE(torch::equal(row.lower, annotated_slice(3)));
      CHECK(row.position == Approx(1.0 / row.span));
      for (const RecordedRow& earlier : seq_rows)
        if (earlier.call + 1 == row.call && torch::equal(earlier.output, row.lower)) ++on_generated;
    }
  CHECK(on_generated == 2 * options.repeats);
}

TEST_CASE("triple augmentation moves target and both boundaries by the same flip / rotation, reverses depth with "
          "p -> 1 - p, draws all 16 versions, repeats for a seed",
          "[diffusion]") {
  // 256 copies of one asymmetric triple: every version is told apart by its slices.
  const std::int64_t rows = 256;
  torch::Tensor base = torch::arange(3 * 36, torch::kFloat32).view({3, 6, 6}) / 108.f;
  due::TripleBatch batch;
  batch.conditions = torch::stack({base[0], base[2]}).unsqueeze(0).repeat({rows, 1, 1, 1});
  batch.target = base[1].view({1, 1, 6, 6}).repeat({rows, 1, 1, 1});
  batch.position = torch::full({rows}, 0.25f);
  batch.gap_length = torch::full({rows}, 8.f);
  const due::TripleBatch out = due::augment_triples(batch, 5);
  CHECK(torch::equal(out.gap_length, batch.gap_length));
  std::set<int> seen;
  for (std::int64_t b = 0; b < rows; ++b) {
    int found = -1;
    for (int version = 0; version < 16 && found < 0; ++version) {
      torch::Tensor v = torch::rot90(base, version % 4, {1, 2});
      if ((version / 4) % 2) v = v.flip({2});
      const bool reverse = version >= 8;
      if (reverse) v = v.flip({0});
      if (torch::equal(out.conditions[b][0], v[0]) && torch::equal(out.target[b][0], v[1]) &&
          torch::equal(out.conditions[b][1], v[2]) &&
          out.position[b].item<float>() == (reverse ? 0.75f : 0.25f))
        found = version;
    }
    INFO("row " << b);
    REQUIRE(found >= 0);
    seen.insert(found);
  }
  CHECK(seen.size() == 16);
  const due::TripleBatch again = due::augment_triples(batch, 5);
  CHECK(torch::equal(again.target, out.target));
  CHECK(torch::equal(again.conditions, out.conditions));
  CHECK_FALSE(torch::equal(due::augment_triples(batch, 6).target, out.target));
}

TEST_CASE("triple augmentation moves the image slices with their masks: same flip / rotation, lower and upper "
          "swapped on reversal",
          "[diffusion][image]") {
  const std::int64_t rows = 256;
  torch::Tensor base = torch::arange(3 * 36, torch::kFloat32).view({3, 6, 6}) / 108.f;  // lower, target, upper
  torch::Tensor image = 1.f - base * 0.5f;  // a distinct image per slice, in the same order
  due::TripleBatch batch;
  batch.conditions = torch::stack({base[0], base[2]}).unsqueeze(0).repeat({rows, 1, 1, 1});
  batch.target = base[1].view({1, 1, 6, 6}).repeat({rows, 1, 1, 1});
  batch.images = torch::stack({image[1], image[0], image[2]}).unsqueeze(0).repeat({rows, 1, 1, 1});
  batch.position = torch::full({rows}, 0.25f);
  batch.gap_length = torch::full({rows}, 8.f);
  const due::TripleBatch out = due::augment_triples(batch, 5);
  REQUIRE(out.images.defined());
  std::set<int> seen;
  for (std::int64_t b = 0; b < rows; ++b) {
    // Which version the masks went through; the images must have gone through the same one.
    int found = -1;
    torch::Tensor expected_image;
    for (int version = 0; version < 16 && found < 0; ++version) {
      torch::Tensor v = torch::rot90(base, version % 4, {1, 2}), w = torch::rot90(image, version % 4, {1, 2});
      if ((version / 4) % 2) v = v.flip({2}), w = w.flip({2});
      if (version >= 8) v = v.flip({0}), w = w.flip({0});
      if (torch::equal(out.conditions[b][0], v[0]) && torch::equal(out.target[b][0], v[1]) &&
          torch::equal(out.conditions[b][1], v[2]))
        found = version, expected_image = torch::stack({w[1], w[0], w[2]});
    }
    INFO("row " << b);
    REQUIRE(found >= 0);
    CHECK(torch::equal(out.images[b], expected_image));
    seen.insert(found);
  }
  CHECK(seen.size() == 16);
  // Without images the masks are drawn exactly as before (the same versions for the same seed).
  due::TripleBatch masks_only = batch;
  masks_only.images = torch::Tensor();
  const due::TripleBatch plain = due::augment_triples(masks_only, 5);
  CHECK_FALSE(plain.images.defined());
  CHECK(torch::equal(plain.target, out.target));
  CHECK(torch::equal(plain.conditions, out.conditions));
}
