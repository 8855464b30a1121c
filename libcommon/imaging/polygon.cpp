#include "imaging/polygon.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace due {
namespace {

void set_pixel(std::vector<std::uint8_t>& slice, std::size_t height, std::size_t width, int x, int y,
               std::uint8_t value) {
  if (x < 0 || y < 0 || static_cast<std::size_t>(x) >= width || static_cast<std::size_t>(y) >= height) return;
  slice[static_cast<std::size_t>(y) * width + static_cast<std::size_t>(x)] = value;
}

// Bresenham: every pixel a straight edge passes through.
void draw_edge(std::vector<std::uint8_t>& slice, std::size_t height, std::size_t width, PixelPoint a, PixelPoint b,
               std::uint8_t value) {
  const int dx = std::abs(b.x - a.x), dy = -std::abs(b.y - a.y);
  const int sx = a.x < b.x ? 1 : -1, sy = a.y < b.y ? 1 : -1;
  int error = dx + dy;
  for (;;) {
    set_pixel(slice, height, width, a.x, a.y, value);
    if (a.x == b.x && a.y == b.y) break;
    const int e2 = 2 * error;
    if (e2 >= dy) {
      error += dy;
      a.x += sx;
    }
    if (e2 <= dx) {
      error += dx;
      a.y += sy;
    }
  }
}

}  // namespace

void fill_contour(std::vector<std::uint8_t>& slice, std::size_t height, std::size_t width,
                  const std::vector<PixelPoint>& contour, std::uint8_t value, bool include_boundary) {
  if (contour.empty()) return;
  // 1: centre strictly inside, 2: on the contour. Kept apart so that a hole's boundary stays with the nodule.
  std::vector<std::uint8_t> region(height * width, 0);
  if (contour.size() >= 3) {
    int y_min = contour[0].y, y_max = contour[0].y;
    for (const PixelPoint& p : contour) {
      y_min = std::min(y_min, p.y);
      y_max = std::max(y_max, p.y);
    }
    y_min = std::max(y_min, 0);
    y_max = std::min(y_max, static_cast<int>(height) - 1);
    std::vector<double> crossings;
    for (int y = y_min; y <= y_max; ++y) {
      // Even-odd scanline through pixel centres (integer coordinates), half-open edges so vertices count once.
      crossings.clear();
      for (std::size_t i = 0; i < contour.size(); ++i) {
        const PixelPoint& a = contour[i];
        const PixelPoint& b = contour[(i + 1) % contour.size()];
        if ((a.y <= y && b.y > y) || (b.y <= y && a.y > y))
          crossings.push_back(a.x + static_cast<double>(y - a.y) * (b.x - a.x) / static_cast<double>(b.y - a.y));
      }
      std::sort(crossings.begin(), crossings.end());
      for (std::size_t k = 0; k + 1 < crossings.size(); k += 2) {
        const int first = static_cast<int>(std::floor(crossings[k])) + 1;
        const int last = static_cast<int>(std::ceil(crossings[k + 1])) - 1;
        for (int x = std::max(first, 0); x <= std::min(last, static_cast<int>(width) - 1); ++x)
          set_pixel(region, height, width, x, y, 1);
      }
    }
  }
  for (std::size_t i = 0; i < contour.size(); ++i)
    draw_edge(region, height, width, contour[i], contour[(i + 1) % contour.size()], 2);
  const bool whole = include_boundary || contour.size() < 3;
  for (std::size_t i = 0; i < region.size(); ++i)
    if (region[i] == 1 || (whole && region[i] == 2)) slice[i] = value;
}

}  // namespace due
