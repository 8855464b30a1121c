#include "diffusion/triple_augmentation.h"

#include <random>

namespace due {

TripleBatch augment_triples(const TripleBatch& batch, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const bool square = batch.target.size(2) == batch.target.size(3);
  std::uniform_int_distribution<int> quarter_turns(0, 3), coin(0, 1);
  const bool with_images = batch.images.defined();
  std::vector<torch::Tensor> targets, conditions, images;
  std::vector<float> positions;
  for (std::int64_t b = 0; b < batch.target.size(0); ++b) {
    // [3, H, W]: lower boundary, target, upper boundary, so one transform moves all three alike.
    // With images, [6, H, W]: then the images of the lower boundary, the target and the upper boundary.
    torch::Tensor slices = torch::cat({batch.conditions[b][0].unsqueeze(0), batch.target[b],
                                       batch.conditions[b][1].unsqueeze(0)});
    if (with_images)
      slices = torch::cat({slices, batch.images[b][1].unsqueeze(0), batch.images[b][0].unsqueeze(0),
                           batch.images[b][2].unsqueeze(0)});
    const int turns = quarter_turns(rng);
    const bool flip = coin(rng) == 1, reverse = coin(rng) == 1;
    // Rotating a non-square slice by 90 degrees changes its shape: use the half turn (two flips) only.
    if (square)
      slices = torch::rot90(slices, turns, {1, 2});
    else if (turns % 2 == 1)
      slices = slices.flip({1, 2});
    if (flip) slices = slices.flip({2});
    float position = batch.position[b].item<float>();
    // Reversed in depth: lower and upper boundary swap places, for the masks and the images alike.
    if (reverse) {
      slices = with_images ? slices.index_select(0, torch::tensor({2, 1, 0, 5, 4, 3}, torch::kLong)) : slices.flip({0});
      position = 1.f - position;
    }
    targets.push_back(slices[1].unsqueeze(0));
    conditions.push_back(torch::stack({slices[0], slices[2]}));
    if (with_images) images.push_back(torch::stack({slices[4], slices[3], slices[5]}));
    positions.push_back(position);
  }
  TripleBatch out;
  out.target = torch::stack(targets).contiguous();
  out.conditions = torch::stack(conditions).contiguous();
  out.position = torch::tensor(positions);
  out.gap_length = batch.gap_length.clone();
  if (with_images) out.images = torch::stack(images).contiguous();
  return out;
}

}  // namespace due
