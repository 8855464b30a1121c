#include "imaging/cell_marks.h"

#include <string>

namespace due {
namespace {

// Rows of 3 bits (most significant = left) for 0..9.
constexpr std::uint8_t kDigits[10][5] = {
    {7, 5, 5, 5, 7}, {2, 6, 2, 2, 7}, {7, 1, 7, 4, 7}, {7, 1, 7, 1, 7}, {5, 5, 7, 1, 1},
    {7, 4, 7, 1, 7}, {7, 4, 7, 5, 7}, {7, 1, 1, 1, 1}, {7, 5, 7, 5, 7}, {7, 5, 7, 1, 7},
};

void fill(RgbImage& image, std::size_t x0, std::size_t y0, std::size_t w, std::size_t h, Rgb colour) {
  for (std::size_t y = y0; y < y0 + h && y < image.height(); ++y)
    for (std::size_t x = x0; x < x0 + w && x < image.width(); ++x) image.set(x, y, colour);
}

}  // namespace

void draw_box(RgbImage& image, std::size_t x0, std::size_t y0, std::size_t x1, std::size_t y1, Rgb colour) {
  for (std::size_t x = x0; x <= x1 && x < image.width(); ++x) {
    if (y0 < image.height()) image.set(x, y0, colour);
    if (y1 < image.height()) image.set(x, y1, colour);
  }
  for (std::size_t y = y0; y <= y1 && y < image.height(); ++y) {
    if (x0 < image.width()) image.set(x0, y, colour);
    if (x1 < image.width()) image.set(x1, y, colour);
  }
}

void draw_number(RgbImage& image, std::size_t x, std::size_t y, std::uint64_t number, Rgb colour, std::size_t scale) {
  const std::string text = std::to_string(number);
  const std::size_t advance = 4 * scale;  // 3 pixels of glyph and 1 of space
  fill(image, x, y, advance * text.size() + scale, 7 * scale, kBackground);
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto& glyph = kDigits[text[i] - '0'];
    for (std::size_t row = 0; row < 5; ++row)
      for (std::size_t col = 0; col < 3; ++col)
        if (glyph[row] & (4 >> col)) fill(image, x + scale + i * advance + col * scale, y + scale + row * scale, scale, scale, colour);
  }
}

}  // namespace due
