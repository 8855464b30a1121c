#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "imputation/classical.h"

namespace {

// A disc of `radius` pixels centred at (c, c) on slice z of a D x n x n volume.
void disc(std::vector<float>& volume, std::size_t n, std::size_t z, double radius, double c) {
  for (std::size_t y = 0; y < n; ++y)
    for (std::size_t x = 0; x < n; ++x)
      if (std::hypot(double(y) - c, double(x) - c) <= radius) volume[(z * n + y) * n + x] = 1.f;
}

// Checks slice z against the rasterised disc of `radius` centred at (c, c), within a one-pixel band: every pixel
// nearer the centre than radius - 1 is set, every pixel farther than radius + 1 is clear. Returns how many pixels
// broke that.
std::size_t outside_one_pixel_band(const std::vector<float>& volume, std::size_t n, std::size_t z, double radius,
                                   double c) {
  std::size_t wrong = 0;
  for (std::size_t y = 0; y < n; ++y)
    for (std::size_t x = 0; x < n; ++x) {
      const double rho = std::hypot(double(y) - c, double(x) - c);
      const float v = volume[(z * n + y) * n + x];
      if ((rho <= radius - 1 && v != 1.f) || (rho > radius + 1 && v != 0.f)) ++wrong;
    }
  return wrong;
}

}  // namespace

TEST_CASE("linear interpolation blends the boundary slices by position and keeps annotated ones", "[interpolation]") {
  const due::VolumeShape shape{6, 1, 2};
  // slices 1 and 4 annotated: [0, 1] and [1, 0]; slices 0 and 5 lie outside every gap
  std::vector<float> sparse(12, 9.f);
  sparse[2] = 0.f, sparse[3] = 1.f, sparse[8] = 1.f, sparse[9] = 0.f;
  const std::vector<std::uint8_t> annotated{0, 1, 0, 0, 1, 0};
  const auto dense = due::interpolate_linear(sparse, shape, annotated);
  const std::vector<float> expected{0, 1, 0, 1, 1.f / 3, 2.f / 3, 2.f / 3, 1.f / 3, 1, 0, 1, 0};
  for (std::size_t i = 0; i < 12; ++i) CHECK(dense[i] == Approx(expected[i]));
}

TEST_CASE("boundary blend variance is p(1-p) of the linear blend on missing slices, 0 elsewhere",
          "[interpolation]") {
  const due::VolumeShape shape{7, 1, 2};
  // slices 1 and 5 annotated: [1, 1] and [0, 1]; gap slices 2, 3, 4 at t = 1/4, 1/2, 3/4
  std::vector<float> sparse(14, 0.f);
  sparse[2] = 1.f, sparse[3] = 1.f, sparse[10] = 0.f, sparse[11] = 1.f;
  const std::vector<std::uint8_t> annotated{0, 1, 0, 0, 0, 1, 0};
  const auto variance = due::boundary_blend_variance(sparse, shape, annotated);
  // pixel 0: p = 3/4, 1/2, 1/4 -> 3/16, 1/4, 3/16; pixel 1: both boundaries 1 -> 0
  const std::vector<float> expected{0, 0, 0, 0, 3.f / 16, 0, 0.25f, 0, 3.f / 16, 0, 0, 0, 0, 0};
  for (std::size_t i = 0; i < 14; ++i) CHECK(variance[i] == Approx(expected[i]).margin(1e-7));
}

TEST_CASE("shape interpolation moves a disc's radius linearly across a gap", "[interpolation]") {
  const std::size_t n = 41, depth = 5;
  const due::VolumeShape shape{depth, n, n};
  std::vector<float> sparse(shape.voxels(), 0.f);
  disc(sparse, n, 0, 6, 20);
  disc(sparse, n, 4, 14, 20);
  const std::vector<std::uint8_t> annotated{1, 0, 0, 0, 1};
  const auto dense = due::interpolate_shape(sparse, shape, annotated, {2.0, 1.0, 1.0});
  // Concentric discs: the blended signed distance |x| - ((1 - t) 6 + t 14) puts the contour at radius 6 + 2z;
  // the rasterised disc of that radius, up to one pixel (distance maps are to pixel centres).
  for (std::size_t z = 0; z < depth; ++z) {
    INFO("slice " << z);
    CHECK(outside_one_pixel_band(dense, n, z, 6.0 + 2.0 * static_cast<double>(z), 20) == 0);
  }
  // annotated slices unchanged
  for (std::size_t i = 0; i < n * n; ++i) REQUIRE(dense[i] == sparse[i]);
  // linear blending of the same slices fades instead: half intensity at the rim of the large disc mid-gap
  const auto blended = due::interpolate_linear(sparse, shape, annotated);
  CHECK(blended[(2 * n + 20) * n + 20 + 10] == Approx(0.5f));
}

TEST_CASE("shape interpolation towards an empty slice tapers the shape to its centre", "[interpolation]") {
  const std::size_t n = 31;
  const due::VolumeShape shape{5, n, n};
  std::vector<float> sparse(shape.voxels(), 0.f);
  disc(sparse, n, 0, 8, 15);
  const auto dense = due::interpolate_shape(sparse, shape, {1, 0, 0, 0, 1}, {1.0, 1.0, 1.0});
  // radius 8 (1 - t): about 6, 4, 2 on the missing slices, centred where the disc was
  // (the empty slice is the disc collapsed to its centroid: distance |x - c|, radius 0)
  for (std::size_t z = 1; z < 4; ++z) {
    INFO("slice " << z);
    CHECK(outside_one_pixel_band(dense, n, z, 8.0 * (1.0 - 0.25 * static_cast<double>(z)), 15) == 0);
    CHECK(dense[(z * n + 15) * n + 15] == 1.f);
  }
  CHECK(std::all_of(dense.begin() + 4 * n * n, dense.end(), [](float v) { return v == 0.f; }));
  const auto empty = due::interpolate_shape(std::vector<float>(shape.voxels(), 0.f), shape, {1, 0, 0, 0, 1}, {1, 1, 1});
  CHECK(std::all_of(empty.begin(), empty.end(), [](float v) { return v == 0.f; }));
}
