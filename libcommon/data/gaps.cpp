#include "data/gaps.h"

#include <stdexcept>

namespace due {

std::vector<Gap> find_gaps(const std::vector<std::uint8_t>& annotated_slices) {
  std::vector<Gap> gaps;
  bool seen = false;
  std::size_t last = 0;
  for (std::size_t z = 0; z < annotated_slices.size(); ++z) {
    if (!annotated_slices[z]) continue;
    if (seen && z > last + 1) gaps.push_back(Gap{last, z});
    seen = true;
    last = z;
  }
  return gaps;
}

std::vector<std::size_t> nearest_annotated_slice(const std::vector<std::uint8_t>& annotated_slices) {
  const std::size_t depth = annotated_slices.size();
  std::vector<std::size_t> nearest(depth);
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t below = kNone;
  for (std::size_t z = 0; z < depth; ++z) {
    if (annotated_slices[z]) below = z;
    nearest[z] = below;
  }
  if (below == kNone) throw std::invalid_argument("nearest_annotated_slice: no annotated slice");
  std::size_t above = kNone;
  for (std::size_t z = depth; z-- > 0;) {
    if (annotated_slices[z]) above = z;
    if (nearest[z] == kNone || (above != kNone && above - z < z - nearest[z])) nearest[z] = above;
  }
  return nearest;
}

}  // namespace due
