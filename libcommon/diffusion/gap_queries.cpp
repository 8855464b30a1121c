#include "diffusion/gap_queries.h"

#include <stdexcept>

namespace due {

GapFill parse_gap_fill(const std::string& name) {
  if (name == "direct") return GapFill::Direct;
  if (name == "sequential") return GapFill::Sequential;
  throw std::invalid_argument("must be direct or sequential, got '" + name + "'");
}

const char* gap_fill_name(GapFill fill) { return fill == GapFill::Direct ? "direct" : "sequential"; }

std::vector<SliceQueryPlan> plan_gap(const Gap& gap, GapFill fill) {
  std::vector<SliceQueryPlan> plan;
  for (std::size_t z = gap.before + 1; z < gap.after; ++z) {
    if (fill == GapFill::Direct)
      plan.push_back({z, gap.before, gap.after, 0});
    else
      plan.push_back({z, z - 1, gap.after, z - gap.before - 1});
  }
  return plan;
}

}  // namespace due
