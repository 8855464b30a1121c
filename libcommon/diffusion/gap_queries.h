#pragma once
// Which network queries fill a gap: for every missing slice, the two slices it is conditioned on, its relative
// position between them and their span, and the round it can be asked in (a query may condition on a slice an
// earlier round generated). Kept free of LibTorch; gap_filling.cpp runs the queries.
#include <cstddef>
#include <string>
#include <vector>

#include "data/gaps.h"

namespace due {

// How a gap's missing slices are generated (variance.fill).
enum class GapFill {
  // Every missing slice from the gap's two annotated boundaries, at its position (z - before) / (after - before)
  // and span after - before: the query the interpolator trains on (a target between two annotated slices, at
  // their true position and span), and no generated slice is fed back, so one query's error does not propagate.
  // All slices of all gaps are independent and go in one round.
  Direct,
  // MCVD-style autoregression: slice z from the slice below it (annotated or generated in the previous round)
  // and the upper boundary, one step into a gap of after - (z - 1), i.e. position 1 / (after - z + 1). Spans
  // g + 1, g, ..., 2 near the lower end: not what a model trained on annotated triples sees.
  Sequential,
};
// "direct" | "sequential"; std::invalid_argument otherwise.
GapFill parse_gap_fill(const std::string& name);
const char* gap_fill_name(GapFill fill);

struct SliceQueryPlan {
  std::size_t z = 0;      // the slice generated
  std::size_t lower = 0;  // conditioning slices: lower < z < upper
  std::size_t upper = 0;
  std::size_t round = 0;  // queries of round k may condition on slices generated in rounds < k
  double position() const { return double(z - lower) / double(upper - lower); }
  double span() const { return double(upper - lower); }
};

// The queries for `gap`'s missing slices, in depth order.
std::vector<SliceQueryPlan> plan_gap(const Gap& gap, GapFill fill);

}  // namespace due
