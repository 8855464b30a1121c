#include "nn/precision.h"

#include <stdexcept>

#include <ATen/autocast_mode.h>

namespace due {

Precision parse_precision(const std::string& text) {
  if (text == "float32") return Precision::Float32;
  if (text == "bf16") return Precision::BFloat16;
  throw std::invalid_argument("must be float32 or bf16, got '" + text + "'");
}

std::string precision_name(Precision precision) { return precision == Precision::BFloat16 ? "bf16" : "float32"; }

AutocastScope::AutocastScope(Precision precision, const torch::Device& device) {
  if (precision == Precision::Float32) return;
  if (!device.is_cuda() && !device.is_cpu())
    throw std::invalid_argument("bf16 autocast runs on cpu or cuda, not on " + device.str());
  active_ = true;
  cuda_ = device.is_cuda();
  if (cuda_) {
    previous_enabled_ = at::autocast::is_enabled();
    previous_dtype_ = at::autocast::get_autocast_gpu_dtype();
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(true);
  } else {
    previous_enabled_ = at::autocast::is_cpu_enabled();
    previous_dtype_ = at::autocast::get_autocast_cpu_dtype();
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(true);
  }
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // As torch.autocast's __exit__: the cache of casted weights lives until the outermost scope ends.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  if (cuda_) {
    at::autocast::set_enabled(previous_enabled_);
    at::autocast::set_autocast_gpu_dtype(previous_dtype_);
  } else {
    at::autocast::set_cpu_enabled(previous_enabled_);
    at::autocast::set_autocast_cpu_dtype(previous_dtype_);
  }
}

}  // namespace due
