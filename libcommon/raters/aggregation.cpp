#include "raters/aggregation.h"

#include <cmath>
#include <stdexcept>

#include "raters/consensus.h"
#include "util/errors.h"

namespace due {
namespace {

void check_batch(const torch::Tensor& raters, const torch::Tensor& present) {
  if (raters.dim() != 5 || present.dim() != 2 || raters.size(0) != present.size(0) || raters.size(1) != present.size(1))
    throw std::logic_error("rater aggregation: raters must be [B, R, D, H, W] and present [B, R]");
}

std::vector<std::uint8_t> present_row(const torch::Tensor& present_cpu, std::int64_t b) {
  const torch::Tensor row = present_cpu[b];
  std::vector<std::uint8_t> out(static_cast<std::size_t>(row.size(0)));
  for (std::int64_t r = 0; r < row.size(0); ++r) out[static_cast<std::size_t>(r)] = row[r].item<float>() > 0.5f;
  return out;
}

}  // namespace

RaterChoice parse_rater_choice(const std::string& name) {
  if (name == "consensus") return RaterChoice::Consensus;
  if (name == "random") return RaterChoice::Random;
  if (name == "mean-loss") return RaterChoice::MeanLoss;
  if (name == "magi") return RaterChoice::Magi;
  throw UsageError("--raters must be consensus, random, mean-loss or magi; got '" + name + "'");
}

const char* rater_choice_name(RaterChoice choice) {
  switch (choice) {
    case RaterChoice::Consensus: return "consensus";
    case RaterChoice::Random: return "random";
    case RaterChoice::MeanLoss: return "mean-loss";
    case RaterChoice::Magi: return "magi";
  }
  return "?";
}

std::ptrdiff_t draw_available_rater(const std::vector<std::uint8_t>& present, std::mt19937_64& rng) {
  std::vector<std::ptrdiff_t> available;
  for (std::size_t r = 0; r < present.size(); ++r)
    if (present[r]) available.push_back(static_cast<std::ptrdiff_t>(r));
  if (available.empty()) return -1;
  std::uniform_int_distribution<std::size_t> pick(0, available.size() - 1);
  return available[pick(rng)];
}

torch::Tensor consensus_of_available(const torch::Tensor& raters, const torch::Tensor& present, double level) {
  check_batch(raters, present);
  const torch::Tensor available = (present > 0.5).to(torch::kFloat);
  const torch::Tensor votes = ((raters > 0.5).to(torch::kFloat) * available.view({present.size(0), present.size(1), 1, 1, 1})).sum(1);
  const torch::Tensor counts = available.sum(1).cpu();
  std::vector<float> needed(static_cast<std::size_t>(present.size(0)));
  for (std::int64_t b = 0; b < present.size(0); ++b)
    needed[static_cast<std::size_t>(b)] = static_cast<float>(
        consensus_votes_needed(static_cast<std::size_t>(std::llround(counts[b].item<float>())), level));
  const torch::Tensor threshold = torch::tensor(needed).to(raters.device()).view({-1, 1, 1, 1});
  return ((votes >= threshold) & (threshold > 0)).to(torch::kFloat);
}

torch::Tensor random_available_rater(const torch::Tensor& raters, const torch::Tensor& present, std::mt19937_64& rng,
                                     std::vector<std::ptrdiff_t>* chosen) {
  check_batch(raters, present);
  const torch::Tensor present_cpu = present.to(torch::kCPU, torch::kFloat);
  torch::Tensor out = torch::zeros({raters.size(0), raters.size(2), raters.size(3), raters.size(4)},
                                   raters.options().dtype(torch::kFloat));
  if (chosen) chosen->clear();
  for (std::int64_t b = 0; b < raters.size(0); ++b) {
    const std::ptrdiff_t r = draw_available_rater(present_row(present_cpu, b), rng);
    if (chosen) chosen->push_back(r);
    if (r >= 0) out[b].copy_(raters[b][r].to(torch::kFloat));
  }
  return out;
}

torch::Tensor mean_over_available(const torch::Tensor& per_rater_loss, const torch::Tensor& present) {
  if (per_rater_loss.dim() != 2 || !per_rater_loss.sizes().equals(present.sizes()))
    throw std::logic_error("mean_over_available: per_rater_loss and present must both be [B, R]");
  const torch::Tensor available = (present > 0.5).to(per_rater_loss.scalar_type());
  // where() rather than a product: an absent entry that is inf or nan must not leak into the sum or its gradient.
  const torch::Tensor kept = torch::where(available > 0, per_rater_loss, torch::zeros_like(per_rater_loss));
  return kept.sum(1) / available.sum(1).clamp_min(1);
}

torch::Tensor mean_loss_over_available(const torch::Tensor& raters, const torch::Tensor& present,
                                       const std::function<torch::Tensor(const torch::Tensor&)>& loss_of) {
  check_batch(raters, present);
  std::vector<torch::Tensor> per_rater;
  for (std::int64_t r = 0; r < raters.size(1); ++r) per_rater.push_back(loss_of(raters.select(1, r).to(torch::kFloat)));
  return mean_over_available(torch::stack(per_rater, 1), present);
}

}  // namespace due
