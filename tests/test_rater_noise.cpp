#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <random>

#include "cli/config.h"
#include "cli/config_schema.h"
#include "data/phantom.h"
#include "raters/rater_noise.h"
#include "util/errors.h"

namespace {

const due::VolumeShape kShape{10, 12, 12};

std::size_t offset_of(std::size_t z, std::size_t y, std::size_t x) { return (z * kShape.height + y) * kShape.width + x; }

std::vector<std::uint8_t> cube(std::size_t first, std::size_t side) {
  std::vector<std::uint8_t> mask(kShape.voxels(), 0);
  for (std::size_t z = first; z < first + side; ++z)
    for (std::size_t y = first; y < first + side; ++y)
      for (std::size_t x = first; x < first + side; ++x) mask[offset_of(z, y, x)] = 1;
  return mask;
}

std::size_t count(const std::vector<std::uint8_t>& mask) {
  return static_cast<std::size_t>(std::count(mask.begin(), mask.end(), std::uint8_t{1}));
}

// Smallest city-block distance from voxel i to a voxel of `mask` (brute force).
std::size_t l1_distance_to(const std::vector<std::uint8_t>& mask, std::size_t z, std::size_t y, std::size_t x) {
  std::size_t best = 1000;
  for (std::size_t c = 0; c < kShape.depth; ++c)
    for (std::size_t b = 0; b < kShape.height; ++b)
      for (std::size_t a = 0; a < kShape.width; ++a)
        if (mask[offset_of(c, b, a)]) {
          const auto d = [](std::size_t p, std::size_t q) { return p > q ? p - q : q - p; };
          best = std::min(best, d(z, c) + d(y, b) + d(x, a));
        }
  return best;
}

due::Config noise_config(const std::vector<std::string>& overrides) {
  due::Config config(due::toolkit_config_schema());
  config.apply_assignment("preprocess.block_size=[12, 24, 24]");
  config.apply_assignment("preprocess.phantom.patients=4");
  config.apply_assignment("preprocess.phantom.positive_fraction=1.0");
  for (const std::string& o : overrides) config.apply_assignment(o);
  return config;
}

}  // namespace

TEST_CASE("rater noise: whole layers move a cube's boundary by exactly k voxels", "[raters]") {
  std::mt19937_64 rng(1);
  std::vector<std::uint8_t> grown = cube(3, 4);
  due::move_mask_boundary(grown, kShape, due::BoundaryNoise{1, 1.0}, rng);
  CHECK(count(grown) == 4 * 4 * 4 + 6 * 4 * 4);  // one face layer on each of the six faces
  CHECK(grown[offset_of(2, 4, 4)] == 1);
  CHECK(grown[offset_of(2, 2, 4)] == 0);  // the cross does not reach the edges' diagonal

  std::vector<std::uint8_t> shrunk = cube(2, 6);
  due::move_mask_boundary(shrunk, kShape, due::BoundaryNoise{-1, 1.0}, rng);
  CHECK(shrunk == cube(3, 4));
  due::move_mask_boundary(shrunk, kShape, due::BoundaryNoise{-1, 1.0}, rng);
  CHECK(shrunk == cube(4, 2));

  // k = 2 outward: exactly the voxels within city-block distance 2 of the original.
  const std::vector<std::uint8_t> original = cube(4, 2);
  std::vector<std::uint8_t> moved = original;
  due::move_mask_boundary(moved, kShape, due::BoundaryNoise{2, 1.0}, rng);
  for (std::size_t z = 0; z < kShape.depth; ++z)
    for (std::size_t y = 0; y < kShape.height; ++y)
      for (std::size_t x = 0; x < kShape.width; ++x)
        REQUIRE(moved[offset_of(z, y, x)] == (l1_distance_to(original, z, y, x) <= 2 ? 1 : 0));
}

TEST_CASE("rater noise: a fraction flips that share of the layer, inside the full layer", "[raters]") {
  const std::vector<std::uint8_t> original = cube(3, 4);
  std::vector<std::uint8_t> full = original;
  std::mt19937_64 rng(7);
  due::move_mask_boundary(full, kShape, due::BoundaryNoise{1, 1.0}, rng);
  std::vector<std::uint8_t> half = original;
  due::move_mask_boundary(half, kShape, due::BoundaryNoise{1, 0.5}, rng);
  CHECK(count(half) == 64 + 48);  // half of the 96 voxels of the outer layer
  for (std::size_t i = 0; i < half.size(); ++i) {
    REQUIRE(half[i] <= full[i]);
    REQUIRE(half[i] >= original[i]);
  }
  std::vector<std::uint8_t> inward = original;
  due::move_mask_boundary(inward, kShape, due::BoundaryNoise{-1, 0.25}, rng);
  CHECK(count(inward) == 64 - 14);  // a quarter of the 56 surface voxels of a 4-cube, rounded
  for (std::size_t i = 0; i < inward.size(); ++i) REQUIRE(inward[i] <= original[i]);
  // The same seed gives the same flips.
  std::vector<std::uint8_t> a = original, b = original;
  std::mt19937_64 ra(3), rb(3);
  due::move_mask_boundary(a, kShape, due::BoundaryNoise{2, 0.3}, ra);
  due::move_mask_boundary(b, kShape, due::BoundaryNoise{2, 0.3}, rb);
  CHECK(a == b);
}

TEST_CASE("rater noise: phantom raters move as configured, /mask and the rest unchanged, off = unchanged",
          "[raters]") {
  const due::PhantomConfig clean = due::phantom_config_from(noise_config({}));
  CHECK_FALSE(clean.rater_noise.enabled);
  const due::PhantomConfig noisy = due::phantom_config_from(noise_config(
      {"preprocess.rater_noise.enabled=true", "preprocess.rater_noise.steps=[1, -1, 0, 2]",
       "preprocess.rater_noise.fraction=[1.0, 1.0, 1.0, 0.5]"}));
  const due::PhantomSpec spec = due::plan_phantoms(clean, 11).front();
  REQUIRE(spec.label == 1);
  const due::DatasetSample a = due::generate_phantom(clean, spec);
  const due::DatasetSample b = due::generate_phantom(noisy, spec);
  CHECK(a.image == b.image);
  CHECK(a.mask == b.mask);
  CHECK(a.rater_present == b.rater_present);
  const std::size_t voxels = clean.shape.voxels();
  auto rater = [&](const due::DatasetSample& s, std::size_t r) {
    return std::vector<std::uint8_t>(s.raters.begin() + static_cast<std::ptrdiff_t>(r * voxels),
                                     s.raters.begin() + static_cast<std::ptrdiff_t>((r + 1) * voxels));
  };
  std::mt19937_64 unused(0);
  for (std::size_t r = 0; r < 2; ++r) {
    std::vector<std::uint8_t> expected = rater(a, r);
    REQUIRE(count(expected) > 0);
    due::move_mask_boundary(expected, clean.shape, due::BoundaryNoise{r == 0 ? 1 : -1, 1.0}, unused);
    CHECK(rater(b, r) == expected);
  }
  CHECK(rater(b, 2) == rater(a, 2));
  CHECK(count(rater(b, 3)) > count(rater(a, 3)));

  // Switched off, the configured amounts do nothing.
  const due::PhantomConfig off = due::phantom_config_from(
      noise_config({"preprocess.rater_noise.steps=[3, 3, 3, 3]", "preprocess.rater_noise.fraction=[1, 1, 1, 1]"}));
  CHECK(due::generate_phantom(off, spec).raters == a.raters);

  CHECK_THROWS_AS(due::phantom_config_from(noise_config({"preprocess.rater_noise.fraction=[1.0]"})), due::InputError);
}
