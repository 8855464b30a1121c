#include "diffusion/triple_augmentation.h"

#include <random>

namespace due {

TripleBatch augment_triples(const TripleBatch& batch, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const bool square = batch.target.size(2) == batch.target.size(3);
  std::uniform_int_distribution<int> quarter_turns(0, 3), coin(0, 1);
  std::vector<torch::Tensor> targets, conditions;
  std::vector<float> positions;
  for (std::int64_t b = 0; b < batch.target.size(0); ++b) {
    // [3, H, W]: lower boundary, target, upper boundary, so one transform moves all three alike.
    torch::Tensor slices = torch::cat({batch.conditions[b][0].unsqueeze(0), batch.target[b],
                                       batch.conditions[b][1].unsqueeze(0)});
    const int turns = quarter_turns(rng);
    const bool flip = coin(rng) == 1, reverse = coin(rng) == 1;
    // Rotating a non-square slice by 90 degrees changes its shape: use the half turn (two flips) only.
    if (square)
      slices = torch::rot90(slices, turns, {1, 2});
    else if (turns % 2 == 1)
      slices = slices.flip({1, 2});
    if (flip) slices = slices.flip({2});
    float position = batch.position[b].item<float>();
    if (reverse) slices = slices.flip({0}), position = 1.f - position;
    targets.push_back(slices[1].unsqueeze(0));
    conditions.push_back(torch::stack({slices[0], slices[2]}));
    positions.push_back(position);
  }
  TripleBatch out;
  out.target = torch::stack(targets).contiguous();
  out.conditions = torch::stack(conditions).contiguous();
  out.position = torch::tensor(positions);
  out.gap_length = batch.gap_length.clone();
  return out;
}

}  // namespace due
