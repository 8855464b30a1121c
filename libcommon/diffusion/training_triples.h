#pragma once
// Where the interpolator's training examples come from: triples (lower boundary slice, target slice, upper
// boundary slice) of annotated slices of the training positives. Only annotated slices are ever used: the slices
// in the gaps are the hidden truth that no method may see (the paper's premise is that no dense 3D annotation
// exists). Kept free of LibTorch; the trainer turns triples into tensors.
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace due {

struct SliceTriple {
  std::size_t volume = 0;
  std::size_t before = 0, target = 0, after = 0;
  // Relative position of the target inside its span (0 at before, 1 at after), as Gap::position.
  double position() const { return double(target - before) / double(after - before); }
};

// Which annotated slices make a triple (interpolator.train.triples).
enum class TripleChoice {
  // a(k), a(k+1), a(k+2) of the annotated slices a0 < a1 < ... of a volume: the target's nearest annotated
  // neighbours as its boundaries.
  Consecutive,
  // a(i), a(j), a(l) for every i < j < l: also spans over several annotated slices, and targets off the middle.
  Nested,
};
// "consecutive" | "nested"; std::invalid_argument otherwise.
TripleChoice parse_triple_choice(const std::string& name);
const char* triple_choice_name(TripleChoice choice);

// Every triple of annotated slices of every volume that `choice` allows and that holds foreground on at least one
// of its three slices (triples of empty slices teach nothing the sampler needs: gaps between two empty boundaries
// are left empty). `annotated_slices[v][z]` says whether slice z of volume v is annotated,
// `slice_has_foreground[v][z]` whether its annotation there has a foreground voxel (read on annotated slices only).
std::vector<SliceTriple> annotated_triples(const std::vector<std::vector<std::uint8_t>>& annotated_slices,
                                           const std::vector<std::vector<std::uint8_t>>& slice_has_foreground,
                                           TripleChoice choice);

// A triple drawn uniformly.
SliceTriple draw_triple(const std::vector<SliceTriple>& triples, std::mt19937_64& rng);

}  // namespace due
