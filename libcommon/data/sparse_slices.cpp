#include "data/sparse_slices.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace due {

std::vector<std::size_t> due_annotated_positions(std::size_t depth, std::size_t n) {
  if (depth == 0) return {};
  if (depth == 1) return {0};
  n = std::clamp<std::size_t>(n, 2, depth);
  std::vector<std::size_t> positions;
  positions.reserve(n);
  const double step = static_cast<double>(depth - 1) / static_cast<double>(n - 1);
  for (std::size_t i = 0; i < n; ++i) {
    const double exact = step * static_cast<double>(i);
    // floor(x + 0.5): halves go up, as nearest-neighbour index rounding does.
    positions.push_back(static_cast<std::size_t>(std::floor(exact + 0.5 + 1e-9)));
  }
  positions.back() = depth - 1;
  positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
  return positions;
}

std::size_t original_slice_count(std::size_t depth, double ratio) {
  if (!(ratio > 0)) throw std::invalid_argument("slice spacing ratio must be positive");
  if (depth < 2) return depth;
  const auto n = static_cast<std::size_t>(std::floor(static_cast<double>(depth - 1) / ratio + 0.5)) + 1;
  return std::clamp<std::size_t>(n, 2, depth);
}

std::vector<std::size_t> every_kth_positions(std::size_t depth, std::size_t k) {
  if (k == 0) throw std::invalid_argument("every_k must be at least 1");
  std::vector<std::size_t> positions;
  for (std::size_t z = 0; z < depth; z += k) positions.push_back(z);
  if (depth > 0 && positions.back() != depth - 1) positions.push_back(depth - 1);
  return positions;
}

std::vector<std::uint8_t> slice_indicator(std::size_t depth, const std::vector<std::size_t>& positions) {
  std::vector<std::uint8_t> indicator(depth, 0);
  for (std::size_t z : positions) {
    if (z >= depth) throw std::out_of_range("annotated slice beyond the block");
    indicator[z] = 1;
  }
  return indicator;
}


std::vector<float> sparse_annotation(const std::vector<std::uint8_t>& mask,
                                     const std::vector<std::uint8_t>& annotated_slices) {
  if (annotated_slices.empty() || mask.size() % annotated_slices.size() != 0)
    throw std::logic_error("sparse_annotation: the mask is not a whole number of slices");
  const std::size_t plane = mask.size() / annotated_slices.size();
  std::vector<float> sparse(mask.size(), 0.f);
  for (std::size_t z = 0; z < annotated_slices.size(); ++z) {
    if (!annotated_slices[z]) continue;
    for (std::size_t i = z * plane; i < (z + 1) * plane; ++i) sparse[i] = mask[i] ? 1.f : 0.f;
  }
  return sparse;
}

}  // namespace due
