#pragma once
// Where the interpolator's training examples come from: triples (lower boundary slice, target slice, upper
// boundary slice) cut from the full masks of the training positives, over the gap spans the data's annotation
// layouts have. Kept free of LibTorch; the trainer turns triples into tensors.
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace due {

// A window of `span` + 1 consecutive slices [before, before + span] of one volume: its two ends play the
// annotated boundaries, every slice strictly inside can be a target.
struct TripleWindow {
  std::size_t volume = 0;
  std::size_t before = 0;
  std::size_t span = 0;  // after - before, >= 2
};

struct SliceTriple {
  std::size_t volume = 0;
  std::size_t before = 0, target = 0, after = 0;
  // Relative position of the target inside its gap (0 at before, 1 at after), as Gap::position.
  double position() const { return double(target - before) / double(after - before); }
};

// The distinct gap spans (after - before of every gap with a missing slice) over all annotation layouts, sorted.
std::vector<std::size_t> gap_spans(const std::vector<std::vector<std::uint8_t>>& annotated_layouts);

// Every window of every volume with one of `spans` that fits the depth and holds foreground on at least one of
// its slices (windows of empty slices teach nothing the sampler needs: empty gaps are left empty).
// `slice_has_foreground[v][z]` says whether slice z of volume v has a foreground voxel.
std::vector<TripleWindow> foreground_windows(const std::vector<std::vector<std::uint8_t>>& slice_has_foreground,
                                             const std::vector<std::size_t>& spans);

// A window drawn uniformly, then a target slice uniformly inside it.
SliceTriple draw_triple(const std::vector<TripleWindow>& windows, std::mt19937_64& rng);

}  // namespace due
