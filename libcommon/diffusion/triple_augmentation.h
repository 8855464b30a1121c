#pragma once
// Augmentation of the interpolator's training triples (interpolator.train.augment). Once the hidden slices are
// gone a demo volume gives a handful of annotated triples (53 over the demo's training positives), so each triple
// is shown in one of its 16 symmetric versions: one of the 8 in-plane flips and 90-degree rotations (4 flips
// only when slices are not square), applied to the target and both boundaries alike, and with probability 1/2
// reversed in depth (boundaries swapped, position p -> 1 - p). A lesion's shape has no preferred in-plane
// orientation or depth direction, so every version is as plausible an example as the original.
#include <cstdint>

#include "diffusion/interpolator_trainer.h"

namespace due {

// `batch` with each row transformed by a version drawn from a generator seeded with `seed`.
TripleBatch augment_triples(const TripleBatch& batch, std::uint64_t seed);

}  // namespace due
