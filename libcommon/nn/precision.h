#pragma once
// Mixed precision of a training step (classifier.precision, interpolator.train.precision). float32: as before.
// bf16: the step's forward pass and loss run under torch's autocast with bfloat16, so convolutions and matrix
// products compute in bfloat16 while reductions, normalisations and losses stay float32 (autocast's own op
// lists); the weights, gradients and optimizer state stay float32. CUDA autocast on a GPU; on the CPU, LibTorch
// 1.13's CPU autocast (bfloat16 only), fast where the CPU has AVX512-BF16 or AMX and slow emulation elsewhere.
#include <string>

#include <torch/torch.h>

namespace due {

enum class Precision { Float32, BFloat16 };

// "float32" or "bf16"; std::invalid_argument otherwise.
Precision parse_precision(const std::string& text);
std::string precision_name(Precision precision);

// Autocast on `device`'s kind for its lifetime when `precision` is BFloat16 (nothing for Float32); restores the
// previous state and empties autocast's cast cache when it ends.
class AutocastScope {
 public:
  AutocastScope(Precision precision, const torch::Device& device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool cuda_ = false;
  bool previous_enabled_ = false;
  at::ScalarType previous_dtype_ = at::kFloat;
};

}  // namespace due
