#pragma once
// Rasterising a reader's contour (pixel coordinates, as LIDC's edgeMap gives them) into a slice mask.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace due {

struct PixelPoint {
  int x = 0;  // column
  int y = 0;  // row
};

// Marks (sets to `value`) the pixels of a closed contour on a height x width slice (row-major): pixels whose
// centre lies inside the polygon (even-odd rule) and the pixels on its edges (the contour is drawn on the
// lesion's outer boundary pixels, which belong to it). `include_boundary` false marks only the interior, which is
// how an exclusion (a hole) is cut out. Points outside the slice are clipped. One point marks one pixel.
void fill_contour(std::vector<std::uint8_t>& slice, std::size_t height, std::size_t width,
                  const std::vector<PixelPoint>& contour, std::uint8_t value, bool include_boundary = true);

}  // namespace due
