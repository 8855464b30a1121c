#pragma once
// The gaps of a sparsely annotated volume: runs of missing slices between two annotated ones. Every stage
// that imputes, weights or supervises with the sparse annotation reads the layout through these functions.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace due {

struct Gap {
  std::size_t before = 0;  // annotated slice below the gap
  std::size_t after = 0;   // annotated slice above the gap; missing slices are before+1 .. after-1
  std::size_t missing() const { return after - before - 1; }
  // Relative position of slice z inside the gap: 0 at `before`, 1 at `after`.
  double position(std::size_t z) const {
    return static_cast<double>(z - before) / static_cast<double>(after - before);
  }
};

// Gaps with at least one missing slice, in depth order. Slices before the first or after the last annotated
// slice belong to no gap (see nearest_annotated_slice).
std::vector<Gap> find_gaps(const std::vector<std::uint8_t>& annotated_slices);

// For every slice, the nearest annotated slice (the lower one on a tie); what carries the human annotation to
// slices that belong to no gap, and the published code's binary target M. Throws std::invalid_argument when
// no slice is annotated.
std::vector<std::size_t> nearest_annotated_slice(const std::vector<std::uint8_t>& annotated_slices);

}  // namespace due
