#pragma once
// Which slices of a block a human annotated: the sparse input that DUE's imputation starts from.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace due {

// DUE rule: a lesion drawn on n original slices, spread evenly over the block's `depth` slices:
// round(linspace(0, depth-1, n)), rounding halves up (away from zero), the same rule a nearest-neighbour
// resampling of the masks uses, so annotated positions and resampled mask slices agree (the published code
// rounds half to even and is off by one at some gap borders). n is clamped to [2, depth].
std::vector<std::size_t> due_annotated_positions(std::size_t depth, std::size_t n);

// Number of original slices across a block when the original slice spacing is `ratio` times the block's:
// round((depth-1)/ratio) + 1, at least 2.
std::size_t original_slice_count(std::size_t depth, double ratio);

// Every k-th slice from 0, plus the last slice so the final gap is closed on both sides.
std::vector<std::size_t> every_kth_positions(std::size_t depth, std::size_t k);

// 0/1 per slice.
std::vector<std::uint8_t> slice_indicator(std::size_t depth, const std::vector<std::size_t>& positions);

// The annotation a method may use: `mask` (D*H*W, 0/1) on the annotated slices, 0 elsewhere, as float.
std::vector<float> sparse_annotation(const std::vector<std::uint8_t>& mask,
                                     const std::vector<std::uint8_t>& annotated_slices);

}  // namespace due
