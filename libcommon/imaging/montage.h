#pragma once
// Pictures a radiologist reads: panels of one slice each (grey image, an annotation's contour, a heat-map
// overlay), scaled and laid out in rows into one RGB image (write it with io/png_writer.h). No ITK, no torch.
//
//   RgbImage panel = grey_panel(slice_of(image, shape, z), 0.f, 1.f);
//   overlay_heatmap(panel, slice_of(cam, shape, z), 0.5f);
//   overlay_contour(panel, slice_of(mask, shape, z), kContourGreen);
//   write_png("x.png", grid({{scaled(panel, 3)}}, 2, kBackground));
#include <cstddef>
#include <cstdint>
#include <vector>

#include "io/dataset_store.h"

namespace due {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb& o) const { return r == o.r && g == o.g && b == o.b; }
};

inline constexpr Rgb kContourGreen{0, 255, 0};
inline constexpr Rgb kBackground{0, 0, 0};

class RgbImage {
 public:
  RgbImage() = default;
  RgbImage(std::size_t width, std::size_t height, Rgb fill = {});
  std::size_t width() const { return width_; }
  std::size_t height() const { return height_; }
  Rgb at(std::size_t x, std::size_t y) const;
  void set(std::size_t x, std::size_t y, Rgb colour);
  // Row-major, 3 bytes (r, g, b) per pixel.
  const std::vector<std::uint8_t>& bytes() const { return bytes_; }

 private:
  std::size_t width_ = 0, height_ = 0;
  std::vector<std::uint8_t> bytes_;
};

// One 2D slice, row-major [height, width].
struct Slice {
  std::size_t height = 0, width = 0;
  std::vector<float> values;
  float at(std::size_t x, std::size_t y) const { return values[y * width + x]; }
};

// Slice z of a depth-first volume (D*H*W values).
Slice slice_of(const std::vector<float>& volume, const VolumeShape& shape, std::size_t z);
Slice slice_of(const std::vector<std::uint8_t>& volume, const VolumeShape& shape, std::size_t z);

// Grey levels: `low` maps to black, `high` to white, clamped.
RgbImage grey_panel(const Slice& image, float low, float high);
// A heat map of values in [0, 1] blended over the panel, opacity growing with the value (0 leaves the panel).
void overlay_heatmap(RgbImage& panel, const Slice& heat, float max_opacity);
// Pixels inside the mask (> 0.5) with a 4-neighbour outside (or on the border) painted in `colour`.
void overlay_contour(RgbImage& panel, const Slice& mask, Rgb colour);

// The colour map of the heat maps: dark blue (0) through cyan, yellow to red (1).
Rgb heat_colour(float value);

// The key of the heat maps: a vertical bar, value 1 at the top row to 0 at the bottom, blended over mid grey
// with `max_opacity` exactly as overlay_heatmap blends a map over an image, so the bar shows the colours a panel
// shows.
RgbImage colour_bar(std::size_t width, std::size_t height, float max_opacity);

// Each pixel repeated factor x factor times.
RgbImage scaled(const RgbImage& image, std::size_t factor);
// `right` to the right of `left`, `gap` pixels of `background` between, both top-aligned (unlike grid(), the two
// keep their own widths: a narrow key beside a figure does not get a figure-wide cell).
RgbImage side_by_side(const RgbImage& left, const RgbImage& right, std::size_t gap, Rgb background);
// `bottom` below `top`, `gap` pixels of `background` between, both left-aligned, each keeping its own size.
RgbImage stacked(const RgbImage& top, const RgbImage& bottom, std::size_t gap, Rgb background);
// Rows of panels, `gap` pixels of `background` between and around them; rows may differ in length and panels
// in size (each cell is as large as the largest panel).
RgbImage grid(const std::vector<std::vector<RgbImage>>& rows, std::size_t gap, Rgb background);

// Nearest-neighbour enlargement of a slice (each value repeated factor x factor times).
Slice scaled(const Slice& slice, std::size_t factor);

// What a row of slice panels shows, all volumes D*H*W of one shape: the image in grey, optionally a heat map
// blended over it and the outline of a mask (drawn after enlarging, so it stays one pixel wide).
struct SliceLayers {
  const std::vector<float>* image = nullptr;  // required
  float low = 0.f, high = 1.f;                // grey window of the image
  const std::vector<float>* heat = nullptr;   // values in [0, 1]
  float heat_opacity = 0.5f;
  const std::vector<float>* contour = nullptr;
  Rgb contour_colour = kContourGreen;
};
// One panel per slice index, each enlarged `scale` times.
std::vector<RgbImage> slice_row(const SliceLayers& layers, const VolumeShape& shape,
                                const std::vector<std::size_t>& slices, std::size_t scale);

// `count` slice positions spread evenly over the depth range where `mask` (D*H*W) has foreground (> 0.5); when
// it has none, centred on the slice holding the largest value of `fallback` (may be empty: then the middle).
std::vector<std::size_t> slices_through(const std::vector<float>& mask, const VolumeShape& shape, std::size_t count,
                                        const std::vector<float>& fallback = {});

}  // namespace due
