#pragma once
// Builds the shape prior channel (diffusion/shape_prior.h) for a batch of interpolator queries.
#include <torch/torch.h>

namespace due {

// conditions [B, 2, H, W]: lower and upper boundary slices in the model's range [-1, 1] (foreground >= 0),
// position [B]: the target's relative position between them. Returns [B, 3, H, W] on the conditions' device:
// the two boundaries and the shape-based interpolation at `position`, in [-1, 1]. In-plane pixels are taken as
// square (true of CT and of the phantoms), so no spacing is needed: a uniform scale does not move the blend's zero.
torch::Tensor with_shape_prior(const torch::Tensor& conditions, const torch::Tensor& position);
// The prior channel alone: [B, 1, H, W] in [-1, 1] on the conditions' device.
torch::Tensor shape_prior_slices(const torch::Tensor& conditions, const torch::Tensor& position);

}  // namespace due
