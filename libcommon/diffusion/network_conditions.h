#pragma once
// The condition channels a diffusion UNet is handed, built in one place for training and sampling so both give
// the same channels in the same order: the two boundary masks, then the shape prior (built from the undropped
// boundaries), then the image of the target, lower and upper slice.
#include <torch/torch.h>

#include "models/diffusion_unet_config.h"

namespace due {

// masks [B, 2, H, W] (lower and upper boundary in [-1, 1], as the network sees them; in training after the
// condition dropout), undropped [B, 2, H, W] (the same before dropout; the prior is built from these), position
// [B], images [B, 3, H, W] in [-1, 1] (target, lower, upper; may be undefined when `unet` takes no image).
// Returns [B, unet.condition_channels, H, W] on the masks' device; std::invalid_argument when the network needs
// images that are not given.
torch::Tensor network_conditions(const UNetConfig& unet, const torch::Tensor& masks, const torch::Tensor& undropped,
                                 const torch::Tensor& position, const torch::Tensor& images);

// /image values (intensity in [0, 1]) in the network's range [-1, 1].
torch::Tensor image_to_model_range(const torch::Tensor& image);

}  // namespace due
