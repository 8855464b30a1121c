#pragma once
// The forward (noising) process of a denoising diffusion model: beta_t for t = 0..T-1 and the closed forms the
// training loss and every sampler need. Kept free of LibTorch: samplers turn these numbers into tensors.
#include <cstddef>
#include <string>
#include <vector>

namespace due {

enum class BetaSchedule { Linear, Cosine };

struct ScheduleConfig {
  BetaSchedule kind = BetaSchedule::Linear;
  std::size_t steps = 1000;
  double beta_start = 1e-4;  // linear schedule only
  double beta_end = 0.02;
};

// "linear" | "cosine"; throws std::invalid_argument otherwise.
BetaSchedule parse_beta_schedule(const std::string& name);
const char* beta_schedule_name(BetaSchedule kind);

class NoiseSchedule {
 public:
  // Linear: beta_t evenly spaced from beta_start to beta_end (DDPM, MCVD). Cosine: alpha_bar(t) follows
  // cos^2 of the time fraction (Nichol & Dhariwal 2021, offset s = 0.008), beta clipped at 0.999.
  explicit NoiseSchedule(const ScheduleConfig& config);

  std::size_t steps() const { return beta_.size(); }
  const ScheduleConfig& config() const { return config_; }
  double beta(std::size_t t) const { return beta_.at(t); }
  double alpha(std::size_t t) const { return 1.0 - beta_.at(t); }
  // prod_{s <= t} alpha_s: x_t = sqrt(alpha_bar) x_0 + sqrt(1 - alpha_bar) eps.
  double alpha_bar(std::size_t t) const { return alpha_bar_.at(t); }
  // alpha_bar of the step before t; 1 before the first step.
  double alpha_bar_previous(std::size_t t) const { return t == 0 ? 1.0 : alpha_bar_.at(t - 1); }
  // Variance of q(x_{t-1} | x_t, x_0): beta_t (1 - alpha_bar_{t-1}) / (1 - alpha_bar_t); 0 at t = 0.
  double posterior_variance(std::size_t t) const;
  // Mean of q(x_{t-1} | x_t, x_0) = coef_x0 * x_0 + coef_xt * x_t.
  double posterior_coef_x0(std::size_t t) const;
  double posterior_coef_xt(std::size_t t) const;

  // `count` timesteps from T-1 down to 0, evenly strided (the subsequence DDIM and strided DDPM visit).
  std::vector<std::size_t> strided_steps(std::size_t count) const;

 private:
  ScheduleConfig config_;
  std::vector<double> beta_;
  std::vector<double> alpha_bar_;
};

}  // namespace due
