#include "diffusion/interpolator_trainer.h"

#include <algorithm>
#include <cmath>

#include "cli/config.h"
#include "diffusion/network_conditions.h"
#include "diffusion/schedule.h"
#include "nn/checkpoint.h"
#include "nn/finite_loss.h"
#include "nn/fused_adam.h"
#include "util/seeding.h"
#include "util/torch_runtime.h"

namespace due {
namespace {

constexpr std::uint64_t kDropoutStream = 0xD0;

void copy_parameters(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  const auto source = from.parameters();
  auto target = to.parameters();
  for (std::size_t i = 0; i < source.size(); ++i) target[i].copy_(source[i]);
}

}  // namespace

InterpolatorTrainingConfig interpolator_training_config_from(const Config& config) {
  InterpolatorTrainingConfig c;
  c.steps = config.get_int("interpolator.train.steps");
  if (c.steps < 1) config.fail("interpolator.train.steps", "must be >= 1");
  c.batch_size = config.get_int("interpolator.train.batch_size");
  if (c.batch_size < 1) config.fail("interpolator.train.batch_size", "must be >= 1");
  c.learning_rate = config.get_float("interpolator.train.learning_rate");
  if (!(c.learning_rate > 0)) config.fail("interpolator.train.learning_rate", "must be > 0");
  c.grad_clip = config.get_float("interpolator.train.grad_clip");
  if (c.grad_clip < 0) config.fail("interpolator.train.grad_clip", "must be >= 0 (0 = off)");
  c.ema_decay = config.get_float("interpolator.train.ema_decay");
  if (c.ema_decay < 0 || c.ema_decay >= 1) config.fail("interpolator.train.ema_decay", "must be in [0, 1)");
  c.condition_drop = config.get_float("interpolator.train.condition_drop");
  if (c.condition_drop < 0 || c.condition_drop > 1) config.fail("interpolator.train.condition_drop", "must be in [0, 1]");
  c.triples = config.parse_string("interpolator.train.triples", parse_triple_choice);
  c.augment = config.get_bool("interpolator.train.augment");
  c.checkpoint_every = config.get_int("interpolator.train.checkpoint_every");
  if (c.checkpoint_every < 1) config.fail("interpolator.train.checkpoint_every", "must be >= 1");
  c.log_every = config.get_int("interpolator.train.log_every");
  if (c.log_every < 1) config.fail("interpolator.train.log_every", "must be >= 1");
  c.precision = config.parse_string("interpolator.train.precision", parse_precision);
  return c;
}

torch::Tensor to_model_range(const torch::Tensor& mask) { return mask * 2.0 - 1.0; }
torch::Tensor from_model_range(const torch::Tensor& x) { return ((x + 1.0) * 0.5).clamp(0.0, 1.0); }

TripleBatch make_triple_batch(const std::vector<SliceTriple>& triples, const std::vector<torch::Tensor>& volumes,
                              const std::vector<torch::Tensor>& images) {
  std::vector<torch::Tensor> targets, conditions, image_slices;
  std::vector<float> positions, lengths;
  for (const SliceTriple& t : triples) {
    const torch::Tensor& volume = volumes.at(t.volume);
    targets.push_back(volume[static_cast<std::int64_t>(t.target)].unsqueeze(0));
    conditions.push_back(torch::stack({volume[static_cast<std::int64_t>(t.before)],
                                       volume[static_cast<std::int64_t>(t.after)]}));
    positions.push_back(static_cast<float>(t.position()));
    lengths.push_back(static_cast<float>(t.after - t.before));
    if (!images.empty()) {
      const torch::Tensor& image = images.at(t.volume);
      image_slices.push_back(torch::stack({image[static_cast<std::int64_t>(t.target)],
                                           image[static_cast<std::int64_t>(t.before)],
                                           image[static_cast<std::int64_t>(t.after)]}));
    }
  }
  TripleBatch batch;
  if (!images.empty()) batch.images = image_to_model_range(torch::stack(image_slices));
  batch.target = to_model_range(torch::stack(targets));
  batch.conditions = to_model_range(torch::stack(conditions));
  batch.position = torch::tensor(positions);
  batch.gap_length = torch::tensor(lengths);
  return batch;
}

InterpolatorTrainer::InterpolatorTrainer(const InterpolatorArchitecture& architecture,
                                         const InterpolatorTrainingConfig& config, const torch::Device& device)
    : architecture_(architecture), config_(config), device_(device) {
  model_ = DiffusionUNet(architecture.unet);
  ema_ = DiffusionUNet(architecture.unet);
  model_->to(device_);
  ema_->to(device_);
  copy_parameters(*model_, *ema_);
  ema_->eval();
  for (auto& p : ema_->parameters()) p.set_requires_grad(false);
  optimizer_ = std::make_unique<FusedAdam>(model_->parameters(), torch::optim::AdamOptions(config.learning_rate));
  const NoiseSchedule schedule(architecture.schedule);
  std::vector<float> a(schedule.steps()), b(schedule.steps());
  for (std::size_t t = 0; t < schedule.steps(); ++t) {
    a[t] = static_cast<float>(std::sqrt(schedule.alpha_bar(t)));
    b[t] = static_cast<float>(std::sqrt(1.0 - schedule.alpha_bar(t)));
  }
  sqrt_alpha_bar_ = torch::tensor(a);
  sqrt_one_minus_alpha_bar_ = torch::tensor(b);
}

torch::Tensor InterpolatorTrainer::batch_loss(const TripleBatch& batch, std::uint64_t seed) {
  // Every random draw on the CPU from one seeded generator: the same seed gives the same step on any device.
  auto generator = at::detail::createCPUGenerator(seed);
  const std::int64_t n = batch.target.size(0);
  const auto steps = static_cast<std::int64_t>(sqrt_alpha_bar_.size(0));
  const torch::Tensor timestep = torch::randint(steps, {n}, generator, torch::kLong);
  const torch::Tensor noise = torch::randn(batch.target.sizes(), generator, torch::kFloat32);
  // Masked conditioning: each boundary slice is zeroed independently.
  const torch::Tensor keep =
      (torch::rand({n, 2, 1, 1}, generator, torch::kFloat32) >= config_.condition_drop).to(torch::kFloat32);
  // Only the boundary masks are dropped. The prior is built from both boundaries before either is dropped, and is
  // never dropped itself: sampling always has it, and the residual form needs it to mean the same thing at every
  // step. The image exists on every slice, so sampling always has it too.
  const torch::Tensor conditions =
      network_conditions(architecture_.unet, batch.conditions * keep, batch.conditions, batch.position, batch.images);
  const torch::Tensor a = sqrt_alpha_bar_.index_select(0, timestep).view({n, 1, 1, 1});
  const torch::Tensor b = sqrt_one_minus_alpha_bar_.index_select(0, timestep).view({n, 1, 1, 1});
  const torch::Tensor noisy = a * batch.target + b * noise;
  const torch::Tensor predicted =
      model_->forward(noisy.to(device_), conditions.to(device_), timestep.to(device_),
                      batch.position.to(device_), batch.gap_length.to(device_));
  const torch::Tensor& target = architecture_.prediction == Prediction::X0 ? batch.target : noise;
  return torch::mse_loss(predicted, target.to(device_));
}

double InterpolatorTrainer::step(const TripleBatch& batch, std::uint64_t seed) {
  model_->train();
  // Dropout draws from the global generators: seed them per step too, so a resumed run repeats a straight one.
  seed_torch(derive_seed(seed, kDropoutStream));
  optimizer_->zero_grad();
  torch::Tensor loss;
  {
    const AutocastScope autocast(config_.precision, device_);  // the forward and the loss; backward after it
    loss = batch_loss(batch, seed);
  }
  loss.backward();
  if (config_.grad_clip > 0) torch::nn::utils::clip_grad_norm_(model_->parameters(), config_.grad_clip);
  optimizer_->step();
  update_ema();
  ++steps_done_;
  // A non-finite loss stops the run here: this step's weights are spoilt, and neither a checkpoint nor the model
  // file is written with them.
  return finite_loss(loss, "loss", "step " + std::to_string(steps_done_));
}

double InterpolatorTrainer::loss(const TripleBatch& batch, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  model_->eval();
  const double value = batch_loss(batch, seed).item<double>();
  model_->train();
  return value;
}

void InterpolatorTrainer::update_ema() {
  torch::NoGradGuard no_grad;
  // Warm-up (as TensorFlow's ExponentialMovingAverage with num_updates): with 0.999 from the first step, a short
  // run's average would still be three quarters the untrained initial weights after 300 steps.
  const double step = static_cast<double>(steps_done_);
  const double decay = std::min(config_.ema_decay, (1.0 + step) / (10.0 + step));
  const auto source = model_->parameters();
  auto target = ema_->parameters();
  for (std::size_t i = 0; i < source.size(); ++i) target[i].mul_(decay).add_(source[i], 1.0 - decay);
}

void InterpolatorTrainer::save_checkpoint(const std::string& path, const Provenance& provenance,
                                          const LogWindow* window, const RunFingerprint* run) const {
  CheckpointWriter writer(kInterpolatorCheckpointKind);
  if (run) store_run_fingerprint(writer, *run);
  if (window) writer.add_values("log_window", window->state());
  writer.add_module("model", *model_);
  writer.add_module("ema", *ema_);
  writer.add_optimizer("adam", *optimizer_);
  writer.set("step", steps_done_);
  writer.set("architecture", architecture_yaml(architecture_));
  writer.set_provenance(provenance);
  writer.save(path);
}

void InterpolatorTrainer::load_checkpoint(const std::string& path, LogWindow* window) {
  CheckpointReader reader(path, kInterpolatorCheckpointKind);
  if (window) {
    window->clear();
    if (reader.has_tensor("log_window")) window->restore(reader.values("log_window"), path);
  }
  reader.load_module("model", *model_);
  reader.load_module("ema", *ema_);
  reader.load_optimizer("adam", *optimizer_);
  // Loading may leave tensors where the archive had them; the parameters keep their identity, so the optimizer
  // still points at them after the move.
  model_->to(device_);
  ema_->to(device_);
  steps_done_ = reader.get_int("step");
}

void InterpolatorTrainer::save_model(const std::string& path, const Provenance& provenance) const {
  CheckpointWriter writer(kInterpolatorKind);
  writer.add_module("model", *ema_);
  writer.set("architecture", architecture_yaml(architecture_));
  writer.set("step", steps_done_);
  writer.set_provenance(provenance);
  writer.save(path);
}

LoadedInterpolator load_interpolator(const std::string& path, const torch::Device& device) {
  CheckpointReader reader(path, kInterpolatorKind);
  LoadedInterpolator loaded;
  loaded.architecture = architecture_from_yaml(reader.get_string("architecture"), path);
  loaded.model = DiffusionUNet(loaded.architecture.unet);
  reader.load_module("model", *loaded.model);
  loaded.model->to(device);
  loaded.model->eval();
  return loaded;
}

}  // namespace due
