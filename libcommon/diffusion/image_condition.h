#pragma once
// Whether the diffusion interpolator sees the scan (interpolator.model.image_condition). The annotation is sparse,
// the image is not: at a gap slice the CT shows the lesion the annotation misses. With `slices` the network is
// given the image of the target slice and of both boundary slices as three more condition channels, in training
// (from the same annotated triples) and in sampling. The image is input data, not truth: it is read from /image,
// which every stage may read; no slice of /mask between annotated ones is involved (docs/diffusion.md, "Seeing
// the scan"). MCVD and the paper condition on mask frames only. Kept free of LibTorch.
#include <string>

#include "models/diffusion_unet_config.h"

namespace due {

enum class ImageCondition {
  None,    // MCVD and the published DUE: masks only
  Slices,  // the image of the target, lower and upper slice as condition channels
};
// "none" | "slices"; std::invalid_argument otherwise.
ImageCondition parse_image_condition(const std::string& name);
const char* image_condition_name(ImageCondition condition);

// Sets the UNet's image channels (0 or 3) and its condition channel count.
void apply_image_condition(ImageCondition condition, UNetConfig& unet);
// Whether a network of this configuration expects the image slices as its last three condition channels.
bool takes_image(const UNetConfig& unet);

}  // namespace due
