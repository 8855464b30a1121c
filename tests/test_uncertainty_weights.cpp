#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "imputation/uncertainty_weights.h"

namespace {

double flipped_sigmoid(double u) { return 1.0 / (1.0 + std::exp(u)); }

// A D x 1 x 3 volume: three voxels per slice keep the hand computations short.
const due::VolumeShape kShape{6, 1, 3};

std::vector<float> slices(std::initializer_list<std::initializer_list<float>> rows) {
  std::vector<float> v;
  for (const auto& row : rows) v.insert(v.end(), row.begin(), row.end());
  return v;
}

}  // namespace

TEST_CASE("weights: min-max of sigmoid(-u) over a gap, against hand values", "[weights]") {
  // Slices 0 and 4 annotated: one gap of slices 1..3; slice 5 lies outside every gap.
  const std::vector<std::uint8_t> annotated{1, 0, 0, 0, 1, 0};
  const auto u = slices({{5, 5, 5}, {0.0f, 0.5f, 1.0f}, {0.0f, 0.0f, 0.0f}, {0.25f, 0.0f, 0.0f}, {7, 7, 7}, {9, 9, 9}});
  const auto w = due::uncertainty_weights(u, kShape, annotated, {});
  // sigmoid(-0) = 0.5 (max), sigmoid(-1) = 0.268941 (min): w = (s - min) / (max - min).
  const double hi = flipped_sigmoid(0), lo = flipped_sigmoid(1);
  CHECK(w[3] == Approx(1.0));
  CHECK(w[4] == Approx((flipped_sigmoid(0.5) - lo) / (hi - lo)).epsilon(1e-6));
  CHECK(w[4] == Approx(0.470007).epsilon(1e-5));
  CHECK(w[5] == Approx(0.0).margin(1e-7));
  CHECK(w[9] == Approx((flipped_sigmoid(0.25) - lo) / (hi - lo)).epsilon(1e-6));
  // Annotated slices and the slice outside the gap weigh 1 whatever their uncertainty says.
  for (std::size_t i : {0, 1, 2, 12, 13, 14, 15, 16, 17}) CHECK(w[i] == 1.f);

  SECTION("the published formula is min-max too: it divides by the maximum of the shifted weights, + 1e-6") {
    // get_weights: w = sigmoid(-u) = {0.5, 0.377541, 0.268941 | 0.5, 0.5, 0.5 | 0.437823, 0.5, 0.5};
    // w - min(w) = {0.231059, 0.108600, 0 | ...}; divided by max(w - min(w)) + 1e-6 = 0.231060.
    due::WeightSettings published;
    published.formula = due::WeightFormula::Published;
    const auto p = due::uncertainty_weights(u, kShape, annotated, published);
    CHECK(p[3] == Approx((hi - lo) / (hi - lo + 1e-6)).epsilon(1e-6));
    CHECK(p[3] == Approx(0.999996).epsilon(1e-6));  // the most certain voxel weighs 1 up to the 1e-6
    CHECK(p[4] == Approx(0.470005).epsilon(1e-5));
    CHECK(p[9] == Approx(0.730903).epsilon(1e-5));
    CHECK(p[5] == Approx(0.0).margin(1e-7));
    for (std::size_t i = 3; i < 12; ++i) CHECK(p[i] == Approx(w[i]).margin(1e-5));  // = minmax here
    CHECK(p[0] == 1.f);
  }
}

TEST_CASE("weights: a uniform-variance gap and a gap with one uncertain voxel", "[weights]") {
  const std::vector<std::uint8_t> annotated{1, 0, 0, 1, 0, 1};  // gaps: slices 1-2 and slice 4
  std::vector<float> u(kShape.voxels(), 0.1f);                   // uniform everywhere
  const auto uniform = due::uncertainty_weights(u, kShape, annotated, {});
  for (float w : uniform) CHECK(w == 1.f);

  // The published formula gives a uniform gap weight 0 everywhere: the degenerate case it does not handle.
  due::WeightSettings published;
  published.formula = due::WeightFormula::Published;
  const auto degenerate = due::uncertainty_weights(u, kShape, annotated, published);
  for (std::size_t i = 3; i < 9; ++i) CHECK(degenerate[i] == 0.f);
  CHECK(degenerate[0] == 1.f);

  // Nearly uniform: the first gap spans u 0 .. 4e-6, so w 0.5 .. 0.5 - 1e-6. minmax calls that uniform (range below
  // uniform_range) and weighs it 1; the published formula gives its most certain voxels 1e-6 / (1e-6 + 1e-6) = 0.5.
  std::vector<float> nearly(kShape.voxels(), 0.f);
  nearly[7] = 4e-6f;
  const auto nearly_published = due::uncertainty_weights(nearly, kShape, annotated, published);
  const auto nearly_minmax = due::uncertainty_weights(nearly, kShape, annotated, {});
  for (std::size_t i = 3; i < 9; ++i) {
    CHECK(nearly_published[i] == Approx(i == 7 ? 0.0 : 0.5).margin(1e-6));
    CHECK(nearly_minmax[i] == 1.f);
  }

  u[7] = 0.2f;  // one uncertain voxel in the first gap (slice 2)
  const auto one = due::uncertainty_weights(u, kShape, annotated, {});
  for (std::size_t i = 3; i < 9; ++i) CHECK(one[i] == (i == 7 ? 0.f : 1.f));
  for (std::size_t i = 12; i < 15; ++i) CHECK(one[i] == 1.f);  // the second gap is still uniform
}

TEST_CASE("weights: a range below uniform_range counts as uniform, above it is stretched", "[weights]") {
  const std::vector<std::uint8_t> annotated{1, 0, 0, 0, 0, 1};
  std::vector<float> u(kShape.voxels(), 0.f);
  u[4] = 5e-5f;
  due::WeightSettings settings;
  settings.uniform_range = 1e-4;
  for (float w : due::uncertainty_weights(u, kShape, annotated, settings)) CHECK(w == 1.f);
  u[4] = 2e-4f;
  const auto stretched = due::uncertainty_weights(u, kShape, annotated, settings);
  CHECK(stretched[4] == Approx(0.0).margin(1e-6));
  CHECK(stretched[3] == 1.f);
}

TEST_CASE("weights: per gap or per volume", "[weights]") {
  const std::vector<std::uint8_t> annotated{1, 0, 1, 0, 1, 1};  // gaps: slice 1 and slice 3
  const auto u = slices({{0, 0, 0}, {0.0f, 0.1f, 0.2f}, {0, 0, 0}, {1.0f, 1.5f, 2.0f}, {0, 0, 0}, {0, 0, 0}});
  const auto per_gap = due::uncertainty_weights(u, kShape, annotated, {});
  CHECK(per_gap[3] == 1.f);
  CHECK(per_gap[5] == Approx(0.0).margin(1e-7));
  CHECK(per_gap[9] == 1.f);
  CHECK(per_gap[11] == Approx(0.0).margin(1e-7));

  due::WeightSettings volume;
  volume.normalisation = due::WeightNormalisation::Volume;
  const auto per_volume = due::uncertainty_weights(u, kShape, annotated, volume);
  const double hi = flipped_sigmoid(0), lo = flipped_sigmoid(2);
  for (std::size_t i : {3, 4, 5, 9, 10, 11})
    CHECK(per_volume[i] == Approx((flipped_sigmoid(u[i]) - lo) / (hi - lo)).epsilon(1e-6));
  CHECK(per_volume[5] > 0.8f);  // the first gap's least certain voxel is still more certain than the second gap
  CHECK(per_volume[11] == Approx(0.0).margin(1e-7));
  for (std::size_t i : {0, 6, 12, 15}) CHECK(per_volume[i] == 1.f);
}

TEST_CASE("weights: names parse, and bad uncertainty values are refused", "[weights]") {
  CHECK(due::parse_weight_normalisation("volume") == due::WeightNormalisation::Volume);
  CHECK(due::parse_weight_formula("published") == due::WeightFormula::Published);
  CHECK_THROWS_AS(due::parse_weight_normalisation("slice"), std::invalid_argument);
  CHECK_THROWS_AS(due::parse_weight_formula("zscore"), std::invalid_argument);
  const std::vector<std::uint8_t> annotated{1, 0, 0, 0, 0, 1};
  std::vector<float> u(kShape.voxels(), 0.f);
  u[0] = std::numeric_limits<float>::quiet_NaN();  // on an annotated slice: not read
  CHECK_NOTHROW(due::uncertainty_weights(u, kShape, annotated, {}));
  u[4] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_AS(due::uncertainty_weights(u, kShape, annotated, {}), std::invalid_argument);
  // No gap at all: every weight is 1.
  const std::vector<std::uint8_t> all(6, 1);
  for (float w : due::uncertainty_weights(std::vector<float>(18, 3.f), kShape, all, {})) CHECK(w == 1.f);
}
