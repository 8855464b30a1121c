#include "diffusion/training_triples.h"

#include <stdexcept>

namespace due {

TripleChoice parse_triple_choice(const std::string& name) {
  if (name == "consecutive") return TripleChoice::Consecutive;
  if (name == "nested") return TripleChoice::Nested;
  throw std::invalid_argument("must be consecutive or nested, got '" + name + "'");
}

const char* triple_choice_name(TripleChoice choice) {
  return choice == TripleChoice::Consecutive ? "consecutive" : "nested";
}

std::vector<SliceTriple> annotated_triples(const std::vector<std::vector<std::uint8_t>>& annotated_slices,
                                           const std::vector<std::vector<std::uint8_t>>& slice_has_foreground,
                                           TripleChoice choice) {
  if (annotated_slices.size() != slice_has_foreground.size())
    throw std::logic_error("annotated_triples: one foreground row per annotation layout expected");
  std::vector<SliceTriple> triples;
  for (std::size_t v = 0; v < annotated_slices.size(); ++v) {
    const auto& layout = annotated_slices[v];
    const auto& foreground = slice_has_foreground[v];
    if (foreground.size() != layout.size()) throw std::logic_error("annotated_triples: depths differ");
    std::vector<std::size_t> a;
    for (std::size_t z = 0; z < layout.size(); ++z)
      if (layout[z]) a.push_back(z);
    const auto add = [&](std::size_t i, std::size_t j, std::size_t l) {
      if (foreground[a[i]] || foreground[a[j]] || foreground[a[l]]) triples.push_back({v, a[i], a[j], a[l]});
    };
    for (std::size_t i = 0; i + 2 < a.size(); ++i) {
      if (choice == TripleChoice::Consecutive) {
        add(i, i + 1, i + 2);
        continue;
      }
      for (std::size_t j = i + 1; j + 1 < a.size(); ++j)
        for (std::size_t l = j + 1; l < a.size(); ++l) add(i, j, l);
    }
  }
  return triples;
}

SliceTriple draw_triple(const std::vector<SliceTriple>& triples, std::mt19937_64& rng) {
  if (triples.empty()) throw std::invalid_argument("no training triples to draw from");
  return triples[std::uniform_int_distribution<std::size_t>(0, triples.size() - 1)(rng)];
}

}  // namespace due
