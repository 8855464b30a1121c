#pragma once
// What a later stage needs to rebuild the diffusion interpolator without the training config: the UNet's
// settings and the noise schedule. Stored in interpolator.pt as YAML in the config's own form
// (interpolator.model.*, interpolator.schedule.*), so the same reader checks both.
#include <string>

#include "diffusion/image_condition.h"
#include "diffusion/prediction.h"
#include "diffusion/schedule.h"
#include "diffusion/shape_prior.h"
#include "models/diffusion_unet_config.h"

namespace due {

class Config;

struct InterpolatorArchitecture {
  UNetConfig unet;
  Prediction prediction = Prediction::Eps;  // what the network outputs (interpolator.model.prediction)
  ShapePrior shape_prior = ShapePrior::None;  // interpolator.model.shape_prior; sets unet's condition channels
  ImageCondition image_condition = ImageCondition::None;  // interpolator.model.image_condition; likewise
  ScheduleConfig schedule;
};

// Reads and range-checks interpolator.model.* and interpolator.schedule.* (InputError naming the key).
InterpolatorArchitecture interpolator_architecture_from(const Config& config);

// The YAML document interpolator.pt records.
std::string architecture_yaml(const InterpolatorArchitecture& architecture);
// Parses what architecture_yaml wrote; `origin` (the model file) names the source in errors.
InterpolatorArchitecture architecture_from_yaml(const std::string& text, const std::string& origin);

}  // namespace due
