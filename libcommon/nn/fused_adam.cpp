#include "nn/fused_adam.h"

#include <cmath>

#include <ATen/Parallel.h>

namespace due {
namespace {

bool fusable(const torch::Tensor& p, const torch::Tensor& grad, const torch::optim::AdamOptions& options) {
  return !options.amsgrad() && p.device().is_cpu() && p.scalar_type() == torch::kFloat32 && p.is_contiguous() &&
         !grad.is_sparse() && grad.scalar_type() == torch::kFloat32 && grad.is_contiguous() &&
         grad.numel() == p.numel();
}

// Elements per task: large enough that a task streams memory for microseconds, not nanoseconds.
constexpr std::int64_t kGrain = 1 << 15;

// One pass of Adam over elements [begin, end) of a parameter, in torch::optim::Adam's order of operations.
struct AdamUpdate {
  float* param;
  const float* gradient;
  float* exp_avg;
  float* exp_avg_sq;
  float beta1, beta2, one_minus_beta1, one_minus_beta2, sqrt_bias_correction2, eps, step_size, weight_decay;

  template <bool kDecay>
  void run(std::int64_t begin, std::int64_t end) const {
    // Four distinct tensors: restrict lets the compiler vectorise the loop (with -fno-math-errno for the sqrt).
    float* __restrict p = param + begin;
    const float* __restrict g = gradient + begin;
    float* __restrict m = exp_avg + begin;
    float* __restrict v = exp_avg_sq + begin;
    const std::int64_t n = end - begin;
    for (std::int64_t i = 0; i < n; ++i) {
      const float grad = kDecay ? g[i] + weight_decay * p[i] : g[i];
      const float m_new = m[i] * beta1 + one_minus_beta1 * grad;
      const float v_new = v[i] * beta2 + one_minus_beta2 * grad * grad;
      m[i] = m_new;
      v[i] = v_new;
      p[i] = p[i] - step_size * (m_new / (std::sqrt(v_new) / sqrt_bias_correction2 + eps));
    }
  }
};

}  // namespace

torch::Tensor FusedAdam::step(LossClosure closure) {
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  bool any_unfused = false;
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const torch::Tensor& grad = p.grad();
      if (!fusable(p, grad, options)) {
        any_unfused = true;
        continue;
      }
      const std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());
      auto found = state_.find(key);
      if (found == state_.end()) {
        auto fresh = std::make_unique<torch::optim::AdamParamState>();
        fresh->step(0);
        fresh->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        fresh->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        found = state_.emplace(key, std::move(fresh)).first;
      }
      auto& state = static_cast<torch::optim::AdamParamState&>(*found->second);
      state.step(state.step() + 1);
      const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
      const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(state.step()));
      const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(state.step()));
      // The scalars as torch::optim::Adam passes them to its float kernels.
      const float b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
      const float one_minus_b1 = static_cast<float>(1 - beta1), one_minus_b2 = static_cast<float>(1 - beta2);
      const float sqrt_bc2 = static_cast<float>(std::sqrt(bias_correction2));
      const float eps = static_cast<float>(options.eps());
      const float step_size = static_cast<float>(options.lr() / bias_correction1);
      const float decay = static_cast<float>(options.weight_decay());
      AdamUpdate update{p.data_ptr<float>(), grad.data_ptr<float>(), state.exp_avg().data_ptr<float>(),
                        state.exp_avg_sq().data_ptr<float>(), b1, b2, one_minus_b1, one_minus_b2, sqrt_bc2, eps,
                        step_size, decay};
      at::parallel_for(0, p.numel(), kGrain, [&](std::int64_t begin, std::int64_t end) {
        if (decay != 0.f)
          update.run<true>(begin, end);
        else
          update.run<false>(begin, end);
      });
    }
  }
  if (any_unfused) {
    // Only the parameters left: hide the fused ones' gradients from Adam for the call.
    std::vector<std::pair<torch::Tensor, torch::Tensor>> hidden;
    for (auto& group : param_groups_)
      for (auto& p : group.params())
        if (p.grad().defined() &&
            fusable(p, p.grad(), static_cast<const torch::optim::AdamOptions&>(group.options()))) {
          hidden.emplace_back(p, p.grad());
          p.mutable_grad() = torch::Tensor();
        }
    torch::optim::Adam::step();
    for (auto& [p, grad] : hidden) p.mutable_grad() = grad;
  }
  return loss;
}

}  // namespace due
