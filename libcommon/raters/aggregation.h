#pragma once
// How several raters' masks become the explanation target (--raters): the four choices of docs/raters.md.
// `magi` lives in models/magi.h; the other three are here. Batches follow the dataset's layout:
// raters [B, R, D, H, W] in {0, 1}, present [B, R] in {0, 1} (a rater slot is "available" where present is 1).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace due {

enum class RaterChoice { Consensus, Random, MeanLoss, Magi };

// "consensus" | "random" | "mean-loss" | "magi"; anything else: UsageError naming the choices.
RaterChoice parse_rater_choice(const std::string& name);
const char* rater_choice_name(RaterChoice choice);

// One available rater slot drawn uniformly, or -1 when none is.
std::ptrdiff_t draw_available_rater(const std::vector<std::uint8_t>& present, std::mt19937_64& rng);

// [B, D, H, W] float in {0, 1}: a voxel is on where at least consensus_votes_needed(available, level) of the
// sample's available raters mark it (the rule of /mask, raters/consensus.h); zero where no rater is available.
torch::Tensor consensus_of_available(const torch::Tensor& raters, const torch::Tensor& present, double level = 0.5);

// [B, D, H, W] float: per sample, the mask of one available rater drawn from `rng` (call once per sample per
// step); zeros where none is available. `chosen`, when given, receives the slots (-1: none).
torch::Tensor random_available_rater(const torch::Tensor& raters, const torch::Tensor& present, std::mt19937_64& rng,
                                     std::vector<std::ptrdiff_t>* chosen = nullptr);

// [B]: the mean of per_rater_loss [B, R] over the available raters, 0 where none is available. Absent entries
// count for nothing and get no gradient (they may even be inf or nan).
torch::Tensor mean_over_available(const torch::Tensor& per_rater_loss, const torch::Tensor& present);

// [B]: mean-loss with a callback: loss_of(target [B, D, H, W] float) -> [B] is called once per rater slot (R calls
// on whole batches, never per sample) and the results are averaged over the available raters.
torch::Tensor mean_loss_over_available(const torch::Tensor& raters, const torch::Tensor& present,
                                       const std::function<torch::Tensor(const torch::Tensor&)>& loss_of);

}  // namespace due
