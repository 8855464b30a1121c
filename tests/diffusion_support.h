#pragma once
// Diffusion-interpolator fixtures the tests share.
#include <cstddef>

#include "diffusion/interpolator_architecture.h"
#include "models/diffusion_unet.h"

namespace due::test {

// A UNet small enough for a test to run it many times: two levels at width 8, attention on the coarse one.
InterpolatorArchitecture tiny_interpolator_architecture(std::size_t schedule_steps = 100);

// A UNet of `architecture` whose every weight is nudged off its initialisation (seeded), in eval mode. A fresh
// UNet's output layer is zero by design, so it would return 0 whatever it is asked and no test of what it is
// asked could fail.
DiffusionUNet perturbed_unet(const InterpolatorArchitecture& architecture);

}  // namespace due::test
