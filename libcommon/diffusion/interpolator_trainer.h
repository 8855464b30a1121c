#pragma once
// Training of the diffusion interpolator: MSE on eps or x_0 (architecture.prediction) on slice triples with masked
// conditions, Adam, gradient clipping and an exponential moving average of the weights (what interpolator.pt keeps).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "diffusion/interpolator_architecture.h"
#include "diffusion/training_triples.h"
#include "io/provenance.h"
#include "nn/precision.h"
#include "nn/run_fingerprint.h"
#include "nn/training_log.h"
#include "models/diffusion_unet.h"

namespace due {

inline constexpr const char* kInterpolatorKind = "due-interpolator";
inline constexpr const char* kInterpolatorCheckpointKind = "due-interpolator-checkpoint";

struct InterpolatorTrainingConfig {
  std::int64_t steps = 50000;
  std::int64_t batch_size = 32;
  double learning_rate = 2e-4;
  double grad_clip = 1.0;  // 0 = off
  double ema_decay = 0.999;
  double condition_drop = 0.5;
  TripleChoice triples = TripleChoice::Consecutive;  // which annotated slices make a training triple
  bool augment = true;   // each triple in a random flip / 90-degree rotation / depth reversal (triple_augmentation.h)
  std::int64_t checkpoint_every = 1000;
  std::int64_t log_every = 50;
  Precision precision = Precision::Float32;  // of the training step (nn/precision.h)
};

class Config;
// Reads and range-checks interpolator.train.* (InputError naming the key).
InterpolatorTrainingConfig interpolator_training_config_from(const Config& config);

// A batch of triples as the network sees them, masks scaled to [-1, 1], on the CPU.
struct TripleBatch {
  torch::Tensor target;      // [B, 1, H, W]
  torch::Tensor conditions;  // [B, 2, H, W]: lower and upper boundary slice
  torch::Tensor position;    // [B] relative position of the target in its gap
  torch::Tensor gap_length;  // [B] after - before
  torch::Tensor images;      // [B, 3, H, W]: the image of the target, lower and upper slice in [-1, 1]; undefined
                             // when no image volumes were given
};

// Cuts `triples` out of `volumes` ([D, H, W] masks in {0, 1}) and, when given, out of `images` ([D, H, W] /image
// of the same volumes, intensity in [0, 1]).
TripleBatch make_triple_batch(const std::vector<SliceTriple>& triples, const std::vector<torch::Tensor>& volumes,
                              const std::vector<torch::Tensor>& images = {});

// Scales a {0, 1} mask to the model's [-1, 1] and back (clamped).
torch::Tensor to_model_range(const torch::Tensor& mask);
torch::Tensor from_model_range(const torch::Tensor& x);

class InterpolatorTrainer {
 public:
  InterpolatorTrainer(const InterpolatorArchitecture& architecture, const InterpolatorTrainingConfig& config,
                      const torch::Device& device);

  // One optimisation step; diffusion times, noise and condition drops come from a generator seeded with `seed`.
  // Returns the batch loss before the update.
  double step(const TripleBatch& batch, std::uint64_t seed);
  // The loss of the current (not EMA) weights on `batch` with the draws of `seed`, without updating anything and
  // with dropout off.
  double loss(const TripleBatch& batch, std::uint64_t seed);

  std::int64_t steps_done() const { return steps_done_; }
  DiffusionUNet& model() { return model_; }
  DiffusionUNet& ema() { return ema_; }

  // <out>.checkpoint: model, EMA, optimizer, step, and the log's window when given (restored into `window` when
  // the file has one; an older checkpoint, written on a row, leaves it empty).
  // `run`, when given, is stored for --resume to check (nn/run_fingerprint.h).
  void save_checkpoint(const std::string& path, const Provenance& provenance, const LogWindow* window = nullptr,
                       const RunFingerprint* run = nullptr) const;
  void load_checkpoint(const std::string& path, LogWindow* window = nullptr);
  // interpolator.pt: the architecture and the EMA weights.
  void save_model(const std::string& path, const Provenance& provenance) const;

 private:
  torch::Tensor batch_loss(const TripleBatch& batch, std::uint64_t seed);
  void update_ema();

  InterpolatorArchitecture architecture_;
  InterpolatorTrainingConfig config_;
  torch::Device device_;
  DiffusionUNet model_{nullptr};
  DiffusionUNet ema_{nullptr};
  std::unique_ptr<torch::optim::Adam> optimizer_;
  torch::Tensor sqrt_alpha_bar_, sqrt_one_minus_alpha_bar_;  // [T] on the CPU
  std::int64_t steps_done_ = 0;
};

// interpolator.pt back: the EMA network in eval mode on `device`, and its noise schedule's settings.
struct LoadedInterpolator {
  InterpolatorArchitecture architecture;
  DiffusionUNet model{nullptr};
};
LoadedInterpolator load_interpolator(const std::string& path, const torch::Device& device);

}  // namespace due
