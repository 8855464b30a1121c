#include "diffusion/samplers.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace due {
namespace {

// One standard normal [1, H, W] per row, each from its own generator, stacked to [B, 1, H, W].
torch::Tensor row_noise(std::vector<at::Generator>& generators, std::int64_t height, std::int64_t width) {
  std::vector<torch::Tensor> rows;
  rows.reserve(generators.size());
  for (auto& generator : generators) rows.push_back(torch::randn({1, height, width}, generator, torch::kFloat32));
  return torch::stack(rows);
}

}  // namespace

SamplerKind parse_sampler(const std::string& name) {
  if (name == "ddpm") return SamplerKind::Ddpm;
  if (name == "ddim") return SamplerKind::Ddim;
  throw std::invalid_argument("unknown sampler '" + name + "' (ddpm | ddim)");
}

const char* sampler_name(SamplerKind kind) { return kind == SamplerKind::Ddpm ? "ddpm" : "ddim"; }

DenoisedEstimate denoised_estimate(const torch::Tensor& output, Prediction prediction, const torch::Tensor& x,
                                   double alpha_bar) {
  const double signal = std::sqrt(alpha_bar), noise = std::sqrt(1.0 - alpha_bar);
  DenoisedEstimate estimate;
  estimate.x0 = prediction == Prediction::X0 ? output : (x - noise * output) / signal;
  estimate.x0 = estimate.x0.clamp(-1.0, 1.0);
  estimate.eps = (x - signal * estimate.x0) / noise;
  return estimate;
}

torch::Tensor run_reverse_process(const Denoiser& denoiser, Prediction prediction, const NoiseSchedule& schedule,
                                  const SamplerConfig& config, std::int64_t height, std::int64_t width,
                                  const torch::Device& device, const std::vector<std::uint64_t>& seeds) {
  torch::NoGradGuard no_grad;
  const auto batch = static_cast<std::int64_t>(seeds.size());
  std::vector<at::Generator> generators;
  for (std::uint64_t seed : seeds) generators.push_back(at::detail::createCPUGenerator(seed));

  const std::vector<std::size_t> steps = schedule.strided_steps(config.steps);
  torch::Tensor x = row_noise(generators, height, width).to(device);
  torch::Tensor x0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::size_t t = steps[i];
    const bool last = i + 1 == steps.size();
    const double alpha_bar_t = schedule.alpha_bar(t);
    // The step lands on the next visited timestep; after the last one, on x_0 (alpha_bar = 1).
    const double alpha_bar_s = last ? 1.0 : schedule.alpha_bar(steps[i + 1]);
    const torch::Tensor timestep = torch::full({batch}, static_cast<std::int64_t>(t),
                                               torch::TensorOptions().dtype(torch::kLong).device(device));
    const DenoisedEstimate estimate = denoised_estimate(denoiser(x, timestep), prediction, x, alpha_bar_t);
    x0 = estimate.x0;
    if (last) break;
    if (config.kind == SamplerKind::Ddpm) {
      // Posterior q(x_s | x_t, x_0) of the strided chain, whose step has beta = 1 - alpha_bar_t / alpha_bar_s.
      const double beta = 1.0 - alpha_bar_t / alpha_bar_s;
      const double coef_x0 = beta * std::sqrt(alpha_bar_s) / (1.0 - alpha_bar_t);
      const double coef_xt = (1.0 - alpha_bar_s) * std::sqrt(1.0 - beta) / (1.0 - alpha_bar_t);
      const double variance = beta * (1.0 - alpha_bar_s) / (1.0 - alpha_bar_t);
      x = coef_x0 * x0 + coef_xt * x + std::sqrt(variance) * row_noise(generators, height, width).to(device);
    } else {
      const double sigma = config.eta * std::sqrt((1.0 - alpha_bar_s) / (1.0 - alpha_bar_t)) *
                           std::sqrt(1.0 - alpha_bar_t / alpha_bar_s);
      const double direction = std::sqrt(std::max(1.0 - alpha_bar_s - sigma * sigma, 0.0));
      x = std::sqrt(alpha_bar_s) * x0 + direction * estimate.eps;
      if (sigma > 0) x = x + sigma * row_noise(generators, height, width).to(device);
    }
  }
  return x0;
}

torch::Tensor sample_slices(DiffusionUNetImpl& model, Prediction prediction, const NoiseSchedule& schedule,
                            const SamplerConfig& config, const SliceQuery& query,
                            const std::vector<std::uint64_t>& seeds) {
  if (static_cast<std::int64_t>(seeds.size()) != query.conditions.size(0))
    throw std::invalid_argument("sample_slices: one seed per row is needed");
  const Denoiser denoiser = [&](const torch::Tensor& x, const torch::Tensor& timestep) {
    return model.forward(x, query.conditions, timestep, query.position, query.gap_length);
  };
  return run_reverse_process(denoiser, prediction, schedule, config, query.conditions.size(2),
                             query.conditions.size(3), query.conditions.device(), seeds);
}

}  // namespace due
