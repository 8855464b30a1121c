#pragma once
// Marks drawn on montage panels so a reader can name a region: box outlines and small numbers (a built-in
// 3x5 pixel digit font, so no font library is needed).
#include <cstddef>
#include <cstdint>

#include "imaging/montage.h"

namespace due {

inline constexpr Rgb kCellMagenta{255, 0, 255};
inline constexpr Rgb kLabelWhite{255, 255, 255};

// The one-pixel outline of the box [x0, x1] x [y0, y1] (inclusive), clipped to the image.
void draw_box(RgbImage& image, std::size_t x0, std::size_t y0, std::size_t x1, std::size_t y1, Rgb colour);

// `number` in decimal with its top-left corner at (x, y), each font pixel `scale` x `scale` pixels, on a black
// backing one font pixel wider all round so it reads over any image; clipped to the image.
void draw_number(RgbImage& image, std::size_t x, std::size_t y, std::uint64_t number, Rgb colour, std::size_t scale);

}  // namespace due
