#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace due {

// Raters' votes needed for a consensus voxel: ceil(level * present), at least 1 (0 when nobody is present).
std::size_t consensus_votes_needed(std::size_t present, double level);

// Voxel-wise agreement of the present raters. `raters` is R*voxels, `rater_present` R.
std::vector<std::uint8_t> consensus_mask(const std::vector<std::uint8_t>& raters,
                                         const std::vector<std::uint8_t>& rater_present, std::size_t voxels,
                                         double level);

}  // namespace due
