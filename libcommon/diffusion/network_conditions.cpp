#include "diffusion/network_conditions.h"

#include <stdexcept>

#include "diffusion/image_condition.h"
#include "diffusion/shape_prior.h"
#include "diffusion/shape_prior_channel.h"

namespace due {

torch::Tensor network_conditions(const UNetConfig& unet, const torch::Tensor& masks, const torch::Tensor& undropped,
                                 const torch::Tensor& position, const torch::Tensor& images) {
  std::vector<torch::Tensor> channels{masks};
  if (takes_shape_prior(unet)) channels.push_back(shape_prior_slices(undropped, position).to(masks.device()));
  if (takes_image(unet)) {
    if (!images.defined() || images.dim() != 4 || images.size(1) != unet.image_channels ||
        images.size(0) != masks.size(0))
      throw std::invalid_argument("this interpolator sees the scan (image_condition: slices): each query needs the "
                                  "image of its target and boundary slices");
    channels.push_back(images.to(masks.device(), masks.scalar_type()));
  }
  return channels.size() == 1 ? masks : torch::cat(channels, 1);
}

torch::Tensor image_to_model_range(const torch::Tensor& image) { return image * 2.0 - 1.0; }

}  // namespace due
