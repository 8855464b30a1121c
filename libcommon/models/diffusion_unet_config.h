#pragma once
// Settings of the diffusion interpolator's UNet, kept apart from the network so that configuration code and the
// model file's architecture record need no LibTorch.
#include <cstdint>
#include <vector>

namespace due {

struct UNetConfig {
  std::int64_t width = 64;                            // channels at full resolution
  std::vector<std::int64_t> channel_mult{1, 2, 2, 2};  // width multiplier per level; level l is 2^l times smaller
  std::int64_t res_blocks = 2;                        // residual blocks per level (the decoder has one more)
  std::vector<std::int64_t> attention_levels{2, 3};   // levels with self-attention after each residual block
  std::int64_t heads = 1;                             // attention heads
  double dropout = 0.1;
  // Condition channels, in this order: the boundary masks (lower, upper); the shape prior when prior_channel;
  // the image of the target, lower and upper slice when image_channels is 3 (diffusion/conditions.h).
  std::int64_t condition_channels = 2;
  bool prior_channel = false;        // channel 2 holds the shape prior (diffusion/shape_prior.h)
  std::int64_t image_channels = 0;   // 0, or 3: the scan's slices (diffusion/image_condition.h)
  // The output is a correction added to the shape prior channel (x0-prediction): with the output layer starting
  // at zero, an untrained network returns the shape-based interpolation.
  bool residual_on_prior = false;

  std::size_t levels() const { return channel_mult.size(); }
  // Height and width must be multiples of this.
  std::int64_t size_multiple() const { return std::int64_t{1} << (levels() - 1); }
};

}  // namespace due
