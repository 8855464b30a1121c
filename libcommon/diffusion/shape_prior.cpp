#include "diffusion/shape_prior.h"

#include <stdexcept>

namespace due {

ShapePrior parse_shape_prior(const std::string& name) {
  if (name == "none") return ShapePrior::None;
  if (name == "channel") return ShapePrior::Channel;
  if (name == "residual") return ShapePrior::Residual;
  throw std::invalid_argument("unknown shape prior '" + name + "' (none | channel | residual)");
}

const char* shape_prior_name(ShapePrior prior) {
  switch (prior) {
    case ShapePrior::None: return "none";
    case ShapePrior::Channel: return "channel";
    case ShapePrior::Residual: return "residual";
  }
  return "none";
}

void apply_shape_prior(ShapePrior prior, UNetConfig& unet) {
  unet.prior_channel = prior != ShapePrior::None;
  unet.residual_on_prior = prior == ShapePrior::Residual;
  unet.condition_channels = 2 + (unet.prior_channel ? 1 : 0) + unet.image_channels;
}

bool takes_shape_prior(const UNetConfig& unet) { return unet.prior_channel; }

}  // namespace due
