#include <catch2/catch.hpp>

#include "data/gaps.h"

TEST_CASE("gaps: runs of missing slices between annotated ones", "[gaps]") {
  const std::vector<std::uint8_t> annotated{0, 1, 0, 0, 1, 1, 0, 1, 0};
  const auto gaps = due::find_gaps(annotated);
  REQUIRE(gaps.size() == 2);
  CHECK(gaps[0].before == 1);
  CHECK(gaps[0].after == 4);
  CHECK(gaps[0].missing() == 2);
  CHECK(gaps[0].position(2) == Approx(1.0 / 3));
  CHECK(gaps[0].position(3) == Approx(2.0 / 3));
  CHECK(gaps[1].before == 5);
  CHECK(gaps[1].after == 7);
  CHECK(gaps[1].position(6) == Approx(0.5));
  CHECK(due::find_gaps({1, 1, 1}).empty());
  CHECK(due::find_gaps({0, 0, 0}).empty());
}

TEST_CASE("gaps: nearest annotated slice, the lower one on ties", "[gaps]") {
  const std::vector<std::uint8_t> annotated{0, 1, 0, 0, 1, 1, 0, 1, 0};
  CHECK(due::nearest_annotated_slice(annotated) == std::vector<std::size_t>{1, 1, 1, 4, 4, 5, 5, 7, 7});
  CHECK(due::nearest_annotated_slice({0, 0, 1}) == std::vector<std::size_t>{2, 2, 2});
  CHECK(due::nearest_annotated_slice({1, 0, 0, 0, 1}) == std::vector<std::size_t>{0, 0, 0, 4, 4});
  CHECK_THROWS_AS(due::nearest_annotated_slice({0, 0}), std::invalid_argument);
}
