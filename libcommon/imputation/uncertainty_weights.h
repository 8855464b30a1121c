#pragma once
// Per-voxel weights of the explanation loss from per-voxel uncertainty (docs/imputation.md): in the gaps
// w = sigmoid(-u), then min-max normalised over each gap or over all gaps of the volume; annotated slices and
// slices outside every gap weigh 1.
#include <cstdint>
#include <string>
#include <vector>

#include "io/dataset_store.h"

namespace due {

enum class WeightNormalisation { Gap, Volume };
enum class WeightFormula {
  MinMax,  // (w - min) / (max - min): the most certain voxel of the region weighs 1, the least certain 0; a region
           // whose uncertainty spans less than uniform_range weighs 1
  // The published get_weights: w -= min(w); w /= max(w) + 1e-6, the max taken after the shift, i.e.
  // (w - min) / (max - min + 1e-6). Min-max as well, but a uniform region weighs 0 everywhere (0 / 1e-6) and a
  // nearly uniform one little, where MinMax gives both 1.
  Published,
};

struct WeightSettings {
  WeightNormalisation normalisation = WeightNormalisation::Gap;
  WeightFormula formula = WeightFormula::MinMax;
  // MinMax: a region whose uncertainty spans less than this (max u - min u) has nothing to rank and weighs 1
  // everywhere, instead of stretching noise to [0, 1] or dividing by zero. Published ignores it.
  double uniform_range = 1e-4;
};

// "gap" | "volume", "minmax" | "published"; std::invalid_argument otherwise.
WeightNormalisation parse_weight_normalisation(const std::string& name);
const char* weight_normalisation_name(WeightNormalisation normalisation);
WeightFormula parse_weight_formula(const std::string& name);
const char* weight_formula_name(WeightFormula formula);

// Weights in [0, 1] for a volume of `shape`. `uncertainty` is read only on the missing slices of the gaps;
// std::invalid_argument when one of those values is not finite.
std::vector<float> uncertainty_weights(const std::vector<float>& uncertainty, const VolumeShape& shape,
                                       const std::vector<std::uint8_t>& annotated_slices, const WeightSettings& settings);

}  // namespace due
