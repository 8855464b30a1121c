#include "diffusion/training_triples.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "data/gaps.h"

namespace due {

std::vector<std::size_t> gap_spans(const std::vector<std::vector<std::uint8_t>>& annotated_layouts) {
  std::set<std::size_t> spans;
  for (const auto& layout : annotated_layouts)
    for (const Gap& gap : find_gaps(layout)) spans.insert(gap.after - gap.before);
  return {spans.begin(), spans.end()};
}

std::vector<TripleWindow> foreground_windows(const std::vector<std::vector<std::uint8_t>>& slice_has_foreground,
                                             const std::vector<std::size_t>& spans) {
  std::vector<TripleWindow> windows;
  for (std::size_t v = 0; v < slice_has_foreground.size(); ++v) {
    const auto& foreground = slice_has_foreground[v];
    const std::size_t depth = foreground.size();
    // prefix[z] = foreground slices among 0..z-1
    std::vector<std::size_t> prefix(depth + 1, 0);
    for (std::size_t z = 0; z < depth; ++z) prefix[z + 1] = prefix[z] + (foreground[z] ? 1 : 0);
    for (std::size_t span : spans) {
      if (span < 2) continue;
      for (std::size_t before = 0; before + span < depth; ++before)
        if (prefix[before + span + 1] > prefix[before]) windows.push_back({v, before, span});
    }
  }
  return windows;
}

SliceTriple draw_triple(const std::vector<TripleWindow>& windows, std::mt19937_64& rng) {
  if (windows.empty()) throw std::invalid_argument("no training windows to draw a triple from");
  const TripleWindow& w = windows[std::uniform_int_distribution<std::size_t>(0, windows.size() - 1)(rng)];
  const std::size_t offset = std::uniform_int_distribution<std::size_t>(1, w.span - 1)(rng);
  return {w.volume, w.before, w.before + offset, w.before + w.span};
}

}  // namespace due
