#include "raters/consensus.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace due {

std::size_t consensus_votes_needed(std::size_t present, double level) {
  if (present == 0) return 0;
  const auto needed = static_cast<std::size_t>(std::ceil(level * static_cast<double>(present) - 1e-9));
  return std::clamp<std::size_t>(needed, 1, present);
}

std::vector<std::uint8_t> consensus_mask(const std::vector<std::uint8_t>& raters,
                                         const std::vector<std::uint8_t>& rater_present, std::size_t voxels,
                                         double level) {
  const std::size_t R = rater_present.size();
  if (raters.size() != R * voxels) throw std::logic_error("consensus_mask: rater masks do not match their count");
  std::size_t present = 0;
  for (std::uint8_t p : rater_present) present += p ? 1 : 0;
  std::vector<std::uint8_t> mask(voxels, 0);
  if (present == 0) return mask;
  const std::size_t needed = consensus_votes_needed(present, level);
  std::vector<std::uint8_t> votes(voxels, 0);
  for (std::size_t r = 0; r < R; ++r) {
    if (!rater_present[r]) continue;
    const std::uint8_t* m = raters.data() + r * voxels;
    for (std::size_t v = 0; v < voxels; ++v) votes[v] = static_cast<std::uint8_t>(votes[v] + (m[v] ? 1 : 0));
  }
  for (std::size_t v = 0; v < voxels; ++v) mask[v] = votes[v] >= needed ? 1 : 0;
  return mask;
}

}  // namespace due
