#pragma once
// The diffusion interpolator's shape prior (interpolator.model.shape_prior): the shape-based interpolation of the
// target slice from its two boundary slices at its relative position, given to the network as a third condition
// channel. With the prior, a network trained on the few annotated triples only has to learn where a lesion's
// outline departs from the distance-map blend, instead of the whole outline (docs/diffusion.md, "Shape prior").
// Kept free of LibTorch; shape_prior_channel.h builds the channel.
#include <string>

#include "models/diffusion_unet_config.h"

namespace due {

enum class ShapePrior {
  None,      // MCVD and the published DUE: the two boundary slices only
  Channel,   // the prior as a third condition channel
  Residual,  // the prior as a channel, and the network's x0 output is a correction added to it (x0 only)
};
// "none" | "channel" | "residual"; std::invalid_argument otherwise.
ShapePrior parse_shape_prior(const std::string& name);
const char* shape_prior_name(ShapePrior prior);

// Sets the UNet's prior channel, its condition channel count and residual_on_prior for `prior`.
void apply_shape_prior(ShapePrior prior, UNetConfig& unet);
// Whether a network of this configuration expects the prior as its last condition channel.
bool takes_shape_prior(const UNetConfig& unet);

}  // namespace due
