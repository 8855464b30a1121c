#include "diffusion/schedule.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace due {

BetaSchedule parse_beta_schedule(const std::string& name) {
  if (name == "linear") return BetaSchedule::Linear;
  if (name == "cosine") return BetaSchedule::Cosine;
  throw std::invalid_argument("unknown beta schedule '" + name + "' (linear | cosine)");
}

const char* beta_schedule_name(BetaSchedule kind) { return kind == BetaSchedule::Linear ? "linear" : "cosine"; }

NoiseSchedule::NoiseSchedule(const ScheduleConfig& config) : config_(config) {
  const std::size_t n = config.steps;
  if (n < 1) throw std::invalid_argument("a noise schedule needs at least one step");
  beta_.resize(n);
  if (config.kind == BetaSchedule::Linear) {
    if (!(config.beta_start > 0 && config.beta_start <= config.beta_end && config.beta_end < 1))
      throw std::invalid_argument("linear schedule needs 0 < beta_start <= beta_end < 1");
    for (std::size_t t = 0; t < n; ++t)
      beta_[t] = n == 1 ? config.beta_start
                        : config.beta_start + (config.beta_end - config.beta_start) * double(t) / double(n - 1);
  } else {
    constexpr double s = 0.008;
    const auto f = [&](double t) {
      const double c = std::cos((t / double(n) + s) / (1 + s) * M_PI / 2);
      return c * c;
    };
    for (std::size_t t = 0; t < n; ++t) beta_[t] = std::min(1.0 - f(double(t + 1)) / f(double(t)), 0.999);
  }
  alpha_bar_.resize(n);
  double product = 1.0;
  for (std::size_t t = 0; t < n; ++t) alpha_bar_[t] = product *= 1.0 - beta_[t];
}

double NoiseSchedule::posterior_variance(std::size_t t) const {
  return beta(t) * (1.0 - alpha_bar_previous(t)) / (1.0 - alpha_bar(t));
}

double NoiseSchedule::posterior_coef_x0(std::size_t t) const {
  return beta(t) * std::sqrt(alpha_bar_previous(t)) / (1.0 - alpha_bar(t));
}

double NoiseSchedule::posterior_coef_xt(std::size_t t) const {
  return (1.0 - alpha_bar_previous(t)) * std::sqrt(alpha(t)) / (1.0 - alpha_bar(t));
}

std::vector<std::size_t> NoiseSchedule::strided_steps(std::size_t count) const {
  const std::size_t n = steps();
  if (count < 1 || count > n)
    throw std::invalid_argument("sampling steps must be in 1.." + std::to_string(n) + ", got " + std::to_string(count));
  // Evenly spaced over [0, T-1], always ending at T-1 (pure noise) and starting at 0.
  std::vector<std::size_t> steps(count);
  for (std::size_t i = 0; i < count; ++i)
    steps[i] = count == 1 ? n - 1
                          : static_cast<std::size_t>(std::llround(double(i) * double(n - 1) / double(count - 1)));
  std::reverse(steps.begin(), steps.end());
  return steps;
}

}  // namespace due
