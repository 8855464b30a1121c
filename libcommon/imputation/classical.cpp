#include "imputation/classical.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <itkImage.h>
#include <itkImportImageFilter.h>
#include <itkSignedMaurerDistanceMapImageFilter.h>

#include "data/gaps.h"

namespace due {
namespace {

void check_inputs(const std::vector<float>& sparse, const VolumeShape& shape,
                  const std::vector<std::uint8_t>& annotated_slices) {
  if (sparse.size() != shape.voxels() || annotated_slices.size() != shape.depth)
    throw std::logic_error("interpolation: buffers do not match the volume shape");
}

struct SliceGrid {
  std::size_t height, width;
  double spacing_y, spacing_x;
  std::size_t pixels() const { return height * width; }
};

bool is_empty(const float* slice, const SliceGrid& grid) {
  return std::none_of(slice, slice + grid.pixels(), [](float v) { return v >= 0.5f; });
}

// Distance (mm) from each pixel to the nearest pixel of `mask` (0 on the mask).
std::vector<float> distance_to_mask(std::vector<unsigned char>& mask, const SliceGrid& grid) {
  using Mask = itk::Image<unsigned char, 2>;
  using Distance = itk::Image<float, 2>;
  using Importer = itk::ImportImageFilter<unsigned char, 2>;
  auto importer = Importer::New();
  Importer::SizeType size;
  size[0] = grid.width;
  size[1] = grid.height;
  Importer::IndexType start;
  start.Fill(0);
  importer->SetRegion({start, size});
  const double spacing[2] = {grid.spacing_x, grid.spacing_y};
  importer->SetSpacing(spacing);
  importer->SetImportPointer(mask.data(), grid.pixels(), false);
  auto filter = itk::SignedMaurerDistanceMapImageFilter<Mask, Distance>::New();
  filter->SetInput(importer->GetOutput());
  filter->SetInsideIsPositive(false);
  filter->SetUseImageSpacing(true);
  filter->SetSquaredDistance(false);
  filter->Update();
  const float* out = filter->GetOutput()->GetBufferPointer();
  std::vector<float> distance(out, out + grid.pixels());
  for (float& d : distance) d = std::max(d, 0.f);
  return distance;
}

// Signed distance (mm): distance to the mask outside it, minus the distance to the background inside it. Built
// from two unsigned maps because ITK's signed map puts its zero on the mask's own edge pixels, which biases a
// blend of two maps inwards by a pixel.
std::vector<float> signed_distance(const float* slice, const SliceGrid& grid) {
  std::vector<unsigned char> mask(grid.pixels()), background(grid.pixels());
  for (std::size_t i = 0; i < grid.pixels(); ++i) {
    mask[i] = slice[i] >= 0.5f ? 1 : 0;
    background[i] = 1 - mask[i];
  }
  std::vector<float> distance = distance_to_mask(mask, grid);
  const std::vector<float> depth = distance_to_mask(background, grid);
  for (std::size_t i = 0; i < grid.pixels(); ++i) distance[i] -= depth[i];
  return distance;
}

// Distance (mm) to the mask's centroid: an empty boundary slice stands for the shape collapsed to a point, so a
// lesion tapers off towards the slice where it ends.
std::vector<float> distance_to_centroid(const float* slice, const SliceGrid& grid) {
  double cy = 0, cx = 0, n = 0;
  for (std::size_t y = 0; y < grid.height; ++y)
    for (std::size_t x = 0; x < grid.width; ++x)
      if (slice[y * grid.width + x] >= 0.5f) cy += double(y), cx += double(x), n += 1;
  cy /= n, cx /= n;
  std::vector<float> distance(grid.pixels());
  for (std::size_t y = 0; y < grid.height; ++y)
    for (std::size_t x = 0; x < grid.width; ++x)
      distance[y * grid.width + x] =
          static_cast<float>(std::hypot((double(y) - cy) * grid.spacing_y, (double(x) - cx) * grid.spacing_x));
  return distance;
}

}  // namespace

ShapeBlend::ShapeBlend(const float* before, const float* after, std::size_t height, std::size_t width,
                       const std::array<double, 2>& spacing_yx)
    : pixels_(height * width) {
  const SliceGrid grid{height, width, spacing_yx[0], spacing_yx[1]};
  const bool before_empty = is_empty(before, grid), after_empty = is_empty(after, grid);
  both_empty_ = before_empty && after_empty;
  if (both_empty_) return;
  before_ = before_empty ? distance_to_centroid(after, grid) : signed_distance(before, grid);
  after_ = after_empty ? distance_to_centroid(before, grid) : signed_distance(after, grid);
}

void ShapeBlend::slice(double t, float* out) const {
  if (both_empty_) {
    std::fill(out, out + pixels_, 0.f);
    return;
  }
  const auto w = static_cast<float>(t);
  for (std::size_t i = 0; i < pixels_; ++i) out[i] = (1.f - w) * before_[i] + w * after_[i] < 0.f ? 1.f : 0.f;
}

void carry_to_slices_outside_gaps(std::vector<float>& volume, const VolumeShape& shape,
                                  const std::vector<std::uint8_t>& annotated_slices) {
  const std::size_t plane = shape.height * shape.width;
  if (std::none_of(annotated_slices.begin(), annotated_slices.end(), [](std::uint8_t a) { return a != 0; })) return;
  const std::vector<std::size_t> nearest = nearest_annotated_slice(annotated_slices);
  const auto first = static_cast<std::size_t>(
      std::find(annotated_slices.begin(), annotated_slices.end(), 1) - annotated_slices.begin());
  const std::size_t last =
      shape.depth - 1 -
      static_cast<std::size_t>(std::find(annotated_slices.rbegin(), annotated_slices.rend(), 1) - annotated_slices.rbegin());
  for (std::size_t z = 0; z < shape.depth; ++z) {
    if (z >= first && z <= last) continue;
    std::copy_n(volume.begin() + static_cast<std::ptrdiff_t>(nearest[z] * plane), plane,
                volume.begin() + static_cast<std::ptrdiff_t>(z * plane));
  }
}

std::vector<float> interpolate_linear(const std::vector<float>& sparse, const VolumeShape& shape,
                                      const std::vector<std::uint8_t>& annotated_slices) {
  check_inputs(sparse, shape, annotated_slices);
  const std::size_t plane = shape.height * shape.width;
  std::vector<float> dense = sparse;
  for (const Gap& gap : find_gaps(annotated_slices)) {
    const float* before = sparse.data() + gap.before * plane;
    const float* after = sparse.data() + gap.after * plane;
    for (std::size_t z = gap.before + 1; z < gap.after; ++z) {
      const auto t = static_cast<float>(gap.position(z));
      float* out = dense.data() + z * plane;
      for (std::size_t i = 0; i < plane; ++i) out[i] = (1.f - t) * before[i] + t * after[i];
    }
  }
  carry_to_slices_outside_gaps(dense, shape, annotated_slices);
  return dense;
}

std::vector<float> boundary_blend_variance(const std::vector<float>& sparse, const VolumeShape& shape,
                                           const std::vector<std::uint8_t>& annotated_slices) {
  check_inputs(sparse, shape, annotated_slices);
  const std::size_t plane = shape.height * shape.width;
  std::vector<float> variance(shape.voxels(), 0.f);
  for (const Gap& gap : find_gaps(annotated_slices)) {
    const float* before = sparse.data() + gap.before * plane;
    const float* after = sparse.data() + gap.after * plane;
    for (std::size_t z = gap.before + 1; z < gap.after; ++z) {
      const auto t = static_cast<float>(gap.position(z));
      float* out = variance.data() + z * plane;
      for (std::size_t i = 0; i < plane; ++i) {
        const float p = (1.f - t) * before[i] + t * after[i];
        out[i] = p * (1.f - p);
      }
    }
  }
  return variance;
}

std::vector<float> interpolate_shape(const std::vector<float>& sparse, const VolumeShape& shape,
                                     const std::vector<std::uint8_t>& annotated_slices,
                                     const std::array<double, 3>& spacing_mm) {
  check_inputs(sparse, shape, annotated_slices);
  const std::size_t plane = shape.height * shape.width;
  std::vector<float> dense = sparse;
  for (float& v : dense) v = v >= 0.5f ? 1.f : 0.f;
  for (const Gap& gap : find_gaps(annotated_slices)) {
    const ShapeBlend blend(sparse.data() + gap.before * plane, sparse.data() + gap.after * plane, shape.height,
                           shape.width, {spacing_mm[1], spacing_mm[2]});
    for (std::size_t z = gap.before + 1; z < gap.after; ++z) blend.slice(gap.position(z), dense.data() + z * plane);
  }
  carry_to_slices_outside_gaps(dense, shape, annotated_slices);
  return dense;
}

}  // namespace due
