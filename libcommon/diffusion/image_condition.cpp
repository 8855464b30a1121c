#include "diffusion/image_condition.h"

#include <stdexcept>

namespace due {

ImageCondition parse_image_condition(const std::string& name) {
  if (name == "none") return ImageCondition::None;
  if (name == "slices") return ImageCondition::Slices;
  throw std::invalid_argument("unknown image condition '" + name + "' (none | slices)");
}

const char* image_condition_name(ImageCondition condition) {
  return condition == ImageCondition::Slices ? "slices" : "none";
}

void apply_image_condition(ImageCondition condition, UNetConfig& unet) {
  unet.image_channels = condition == ImageCondition::Slices ? 3 : 0;
  unet.condition_channels = 2 + (unet.prior_channel ? 1 : 0) + unet.image_channels;
}

bool takes_image(const UNetConfig& unet) { return unet.image_channels > 0; }

}  // namespace due
