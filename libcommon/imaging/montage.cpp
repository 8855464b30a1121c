#include "imaging/montage.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace due {
namespace {

std::uint8_t to_byte(double unit) { return static_cast<std::uint8_t>(std::lround(std::clamp(unit, 0.0, 1.0) * 255.0)); }

void require_same_size(const RgbImage& panel, const Slice& slice, const char* what) {
  if (panel.width() != slice.width || panel.height() != slice.height)
    throw std::invalid_argument(std::string(what) + ": the slice is not the panel's size");
}

template <typename Value>
Slice slice_from(const std::vector<Value>& volume, const VolumeShape& shape, std::size_t z) {
  if (volume.size() != shape.voxels() || z >= shape.depth)
    throw std::invalid_argument("slice_of: slice " + std::to_string(z) + " of a volume that does not match its shape");
  Slice slice{shape.height, shape.width, {}};
  const std::size_t plane = shape.height * shape.width;
  slice.values.assign(volume.begin() + static_cast<std::ptrdiff_t>(z * plane),
                      volume.begin() + static_cast<std::ptrdiff_t>((z + 1) * plane));
  return slice;
}

}  // namespace

RgbImage::RgbImage(std::size_t width, std::size_t height, Rgb fill)
    : width_(width), height_(height), bytes_(width * height * 3) {
  for (std::size_t i = 0; i < width * height; ++i) {
    bytes_[3 * i] = fill.r;
    bytes_[3 * i + 1] = fill.g;
    bytes_[3 * i + 2] = fill.b;
  }
}

Rgb RgbImage::at(std::size_t x, std::size_t y) const {
  const std::size_t i = 3 * (y * width_ + x);
  return Rgb{bytes_[i], bytes_[i + 1], bytes_[i + 2]};
}

void RgbImage::set(std::size_t x, std::size_t y, Rgb colour) {
  const std::size_t i = 3 * (y * width_ + x);
  bytes_[i] = colour.r;
  bytes_[i + 1] = colour.g;
  bytes_[i + 2] = colour.b;
}

Slice slice_of(const std::vector<float>& volume, const VolumeShape& shape, std::size_t z) {
  return slice_from(volume, shape, z);
}

Slice slice_of(const std::vector<std::uint8_t>& volume, const VolumeShape& shape, std::size_t z) {
  return slice_from(volume, shape, z);
}

RgbImage grey_panel(const Slice& image, float low, float high) {
  if (!(high > low)) throw std::invalid_argument("grey_panel: high must exceed low");
  RgbImage panel(image.width, image.height);
  for (std::size_t y = 0; y < image.height; ++y)
    for (std::size_t x = 0; x < image.width; ++x) {
      const std::uint8_t grey = to_byte((image.at(x, y) - low) / (high - low));
      panel.set(x, y, Rgb{grey, grey, grey});
    }
  return panel;
}

Rgb heat_colour(float value) {
  const double v = std::clamp(static_cast<double>(value), 0.0, 1.0);
  // The "jet" map: each channel a tent of width 1.5 centred at 3/4 (red), 1/2 (green), 1/4 (blue).
  return Rgb{to_byte(1.5 - std::abs(4 * v - 3)), to_byte(1.5 - std::abs(4 * v - 2)), to_byte(1.5 - std::abs(4 * v - 1))};
}

void overlay_heatmap(RgbImage& panel, const Slice& heat, float max_opacity) {
  require_same_size(panel, heat, "overlay_heatmap");
  for (std::size_t y = 0; y < heat.height; ++y)
    for (std::size_t x = 0; x < heat.width; ++x) {
      const double value = std::clamp(static_cast<double>(heat.at(x, y)), 0.0, 1.0);
      const double alpha = max_opacity * value;
      const Rgb base = panel.at(x, y), colour = heat_colour(static_cast<float>(value));
      auto blend = [&](std::uint8_t a, std::uint8_t b) { return to_byte(((1 - alpha) * a + alpha * b) / 255.0); };
      panel.set(x, y, Rgb{blend(base.r, colour.r), blend(base.g, colour.g), blend(base.b, colour.b)});
    }
}

RgbImage side_by_side(const RgbImage& left, const RgbImage& right, std::size_t gap, Rgb background) {
  RgbImage out(left.width() + gap + right.width(), std::max(left.height(), right.height()), background);
  for (std::size_t y = 0; y < left.height(); ++y)
    for (std::size_t x = 0; x < left.width(); ++x) out.set(x, y, left.at(x, y));
  for (std::size_t y = 0; y < right.height(); ++y)
    for (std::size_t x = 0; x < right.width(); ++x) out.set(left.width() + gap + x, y, right.at(x, y));
  return out;
}

RgbImage stacked(const RgbImage& top, const RgbImage& bottom, std::size_t gap, Rgb background) {
  RgbImage out(std::max(top.width(), bottom.width()), top.height() + gap + bottom.height(), background);
  for (std::size_t y = 0; y < top.height(); ++y)
    for (std::size_t x = 0; x < top.width(); ++x) out.set(x, y, top.at(x, y));
  for (std::size_t y = 0; y < bottom.height(); ++y)
    for (std::size_t x = 0; x < bottom.width(); ++x) out.set(x, top.height() + gap + y, bottom.at(x, y));
  return out;
}

RgbImage colour_bar(std::size_t width, std::size_t height, float max_opacity) {
  Slice grey{height, width, std::vector<float>(width * height, 0.5f)};
  Slice ramp{height, width, std::vector<float>(width * height, 0.f)};
  for (std::size_t y = 0; y < height; ++y)
    for (std::size_t x = 0; x < width; ++x)
      ramp.values[y * width + x] = height > 1 ? static_cast<float>(height - 1 - y) / static_cast<float>(height - 1) : 1.f;
  RgbImage bar = grey_panel(grey, 0.f, 1.f);
  overlay_heatmap(bar, ramp, max_opacity);
  return bar;
}

void overlay_contour(RgbImage& panel, const Slice& mask, Rgb colour) {
  require_same_size(panel, mask, "overlay_contour");
  auto inside = [&](std::ptrdiff_t x, std::ptrdiff_t y) {
    if (x < 0 || y < 0 || x >= static_cast<std::ptrdiff_t>(mask.width) || y >= static_cast<std::ptrdiff_t>(mask.height))
      return false;
    return mask.at(static_cast<std::size_t>(x), static_cast<std::size_t>(y)) > 0.5f;
  };
  for (std::ptrdiff_t y = 0; y < static_cast<std::ptrdiff_t>(mask.height); ++y)
    for (std::ptrdiff_t x = 0; x < static_cast<std::ptrdiff_t>(mask.width); ++x)
      if (inside(x, y) && !(inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1)))
        panel.set(static_cast<std::size_t>(x), static_cast<std::size_t>(y), colour);
}

RgbImage scaled(const RgbImage& image, std::size_t factor) {
  if (factor < 1) throw std::invalid_argument("scaled: factor must be >= 1");
  RgbImage out(image.width() * factor, image.height() * factor);
  for (std::size_t y = 0; y < out.height(); ++y)
    for (std::size_t x = 0; x < out.width(); ++x) out.set(x, y, image.at(x / factor, y / factor));
  return out;
}

RgbImage grid(const std::vector<std::vector<RgbImage>>& rows, std::size_t gap, Rgb background) {
  std::size_t cell_width = 0, cell_height = 0, columns = 0;
  for (const auto& row : rows) {
    columns = std::max(columns, row.size());
    for (const RgbImage& panel : row) {
      cell_width = std::max(cell_width, panel.width());
      cell_height = std::max(cell_height, panel.height());
    }
  }
  RgbImage out(gap + columns * (cell_width + gap), gap + rows.size() * (cell_height + gap), background);
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      const RgbImage& panel = rows[r][c];
      const std::size_t x0 = gap + c * (cell_width + gap), y0 = gap + r * (cell_height + gap);
      for (std::size_t y = 0; y < panel.height(); ++y)
        for (std::size_t x = 0; x < panel.width(); ++x) out.set(x0 + x, y0 + y, panel.at(x, y));
    }
  return out;
}

Slice scaled(const Slice& slice, std::size_t factor) {
  if (factor < 1) throw std::invalid_argument("scaled: factor must be >= 1");
  Slice out{slice.height * factor, slice.width * factor, {}};
  out.values.resize(out.height * out.width);
  for (std::size_t y = 0; y < out.height; ++y)
    for (std::size_t x = 0; x < out.width; ++x) out.values[y * out.width + x] = slice.at(x / factor, y / factor);
  return out;
}

std::vector<RgbImage> slice_row(const SliceLayers& layers, const VolumeShape& shape,
                                const std::vector<std::size_t>& slices, std::size_t scale) {
  if (!layers.image) throw std::invalid_argument("slice_row: no image");
  std::vector<RgbImage> row;
  for (std::size_t z : slices) {
    RgbImage panel = grey_panel(slice_of(*layers.image, shape, z), layers.low, layers.high);
    if (layers.heat) overlay_heatmap(panel, slice_of(*layers.heat, shape, z), layers.heat_opacity);
    panel = scaled(panel, scale);
    if (layers.contour) overlay_contour(panel, scaled(slice_of(*layers.contour, shape, z), scale), layers.contour_colour);
    row.push_back(std::move(panel));
  }
  return row;
}

std::vector<std::size_t> slices_through(const std::vector<float>& mask, const VolumeShape& shape, std::size_t count,
                                        const std::vector<float>& fallback) {
  if (mask.size() != shape.voxels() || (!fallback.empty() && fallback.size() != shape.voxels()))
    throw std::invalid_argument("slices_through: a volume does not match the shape");
  if (count == 0 || shape.depth == 0) return {};
  count = std::min(count, shape.depth);
  const std::size_t plane = shape.height * shape.width;
  std::size_t first = shape.depth, last = 0;
  for (std::size_t z = 0; z < shape.depth; ++z) {
    const auto begin = mask.begin() + static_cast<std::ptrdiff_t>(z * plane);
    if (std::any_of(begin, begin + static_cast<std::ptrdiff_t>(plane), [](float v) { return v > 0.5f; })) {
      first = std::min(first, z);
      last = z;
    }
  }
  if (first > last) {  // no foreground: centre on the fallback's peak
    std::size_t centre = shape.depth / 2;
    if (!fallback.empty())
      centre = static_cast<std::size_t>(std::max_element(fallback.begin(), fallback.end()) - fallback.begin()) / plane;
    first = last = centre;
  }
  // Widen a range thinner than `count` slices around its centre, inside the volume.
  while (last - first + 1 < count) {
    if (first > 0) --first;
    if (last - first + 1 < count && last + 1 < shape.depth) ++last;
  }
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < count; ++i) {
    const double t = count == 1 ? 0.5 : static_cast<double>(i) / static_cast<double>(count - 1);
    positions.push_back(first + static_cast<std::size_t>(std::lround(t * static_cast<double>(last - first))));
  }
  return positions;
}

}  // namespace due
