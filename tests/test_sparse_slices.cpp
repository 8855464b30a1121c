#include <catch2/catch.hpp>

#include "data/sparse_slices.h"

using V = std::vector<std::size_t>;

TEST_CASE("DUE annotated positions: round(linspace(0, D-1, n)), halves up", "[slices]") {
  // 31/4 = 7.75: 0, 7.75, 15.5, 23.25, 31
  CHECK(due::due_annotated_positions(32, 5) == V{0, 8, 16, 23, 31});
  // 5/2 = 2.5 rounds up to 3 (round-half-to-even would give 2, the published code's off-by-one)
  CHECK(due::due_annotated_positions(6, 3) == V{0, 3, 5});
  // 63/4 = 15.75: 0, 15.75, 31.5, 47.25, 63
  CHECK(due::due_annotated_positions(64, 5) == V{0, 16, 32, 47, 63});
  CHECK(due::due_annotated_positions(10, 10) == V{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(due::due_annotated_positions(10, 1) == V{0, 9});  // at least both ends
  CHECK(due::due_annotated_positions(4, 99) == V{0, 1, 2, 3});
}

TEST_CASE("original slice count from a spacing ratio", "[slices]") {
  CHECK(due::original_slice_count(32, 3.0) == 11);  // round(31/3 = 10.33) + 1
  CHECK(due::original_slice_count(32, 7.0) == 5);   // round(4.43) + 1
  CHECK(due::original_slice_count(64, 2.5) == 26);  // round(25.2) + 1
  CHECK(due::original_slice_count(32, 1.0) == 32);
  CHECK(due::original_slice_count(32, 100.0) == 2);
}

TEST_CASE("every k-th slice keeps both ends", "[slices]") {
  CHECK(due::every_kth_positions(10, 4) == V{0, 4, 8, 9});
  CHECK(due::every_kth_positions(9, 4) == V{0, 4, 8});
  CHECK(due::every_kth_positions(5, 1) == V{0, 1, 2, 3, 4});
  CHECK(due::slice_indicator(5, {0, 2, 4}) == std::vector<std::uint8_t>{1, 0, 1, 0, 1});
}
