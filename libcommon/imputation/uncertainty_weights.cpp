#include "imputation/uncertainty_weights.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "data/gaps.h"

namespace due {

WeightNormalisation parse_weight_normalisation(const std::string& name) {
  if (name == "gap") return WeightNormalisation::Gap;
  if (name == "volume") return WeightNormalisation::Volume;
  throw std::invalid_argument("must be gap or volume, got '" + name + "'");
}

const char* weight_normalisation_name(WeightNormalisation normalisation) {
  return normalisation == WeightNormalisation::Gap ? "gap" : "volume";
}

WeightFormula parse_weight_formula(const std::string& name) {
  if (name == "minmax") return WeightFormula::MinMax;
  if (name == "published") return WeightFormula::Published;
  throw std::invalid_argument("must be minmax or published, got '" + name + "'");
}

const char* weight_formula_name(WeightFormula formula) {
  return formula == WeightFormula::MinMax ? "minmax" : "published";
}

namespace {

// A run of whole slices [first, last) normalised together.
struct Region {
  std::size_t first, last;
};

void normalise(const std::vector<float>& uncertainty, std::vector<float>& weight, const std::vector<Region>& regions,
               std::size_t plane, const WeightSettings& settings) {
  double u_min = std::numeric_limits<double>::infinity(), u_max = -u_min;
  for (const Region& r : regions) {
    for (std::size_t i = r.first * plane; i < r.last * plane; ++i) {
      const double u = uncertainty[i];
      if (!std::isfinite(u)) throw std::invalid_argument("an uncertainty value in a gap is not finite");
      u_min = std::min(u_min, u);
      u_max = std::max(u_max, u);
    }
  }
  if (u_min > u_max) return;  // no voxel
  auto flipped = [](double u) { return 1.0 / (1.0 + std::exp(u)); };  // sigmoid(-u), decreasing in u
  const double w_max = flipped(u_min), w_min = flipped(u_max);
  const bool uniform = settings.formula == WeightFormula::MinMax && u_max - u_min < settings.uniform_range;
  // Published: the code divides the shifted weights by their own maximum, w_max - w_min, plus 1e-6.
  const double denominator = settings.formula == WeightFormula::MinMax ? w_max - w_min : w_max - w_min + 1e-6;
  for (const Region& r : regions) {
    for (std::size_t i = r.first * plane; i < r.last * plane; ++i) {
      const double w = uniform ? 1.0 : (flipped(uncertainty[i]) - w_min) / denominator;
      weight[i] = static_cast<float>(std::clamp(w, 0.0, 1.0));
    }
  }
}

}  // namespace

std::vector<float> uncertainty_weights(const std::vector<float>& uncertainty, const VolumeShape& shape,
                                       const std::vector<std::uint8_t>& annotated_slices, const WeightSettings& settings) {
  if (uncertainty.size() != shape.voxels() || annotated_slices.size() != shape.depth)
    throw std::logic_error("uncertainty_weights: buffers do not match the volume shape");
  const std::size_t plane = shape.height * shape.width;
  std::vector<float> weight(shape.voxels(), 1.f);
  std::vector<Region> regions;
  for (const Gap& gap : find_gaps(annotated_slices)) regions.push_back({gap.before + 1, gap.after});
  if (settings.normalisation == WeightNormalisation::Volume) {
    normalise(uncertainty, weight, regions, plane, settings);
  } else {
    for (const Region& region : regions) normalise(uncertainty, weight, {region}, plane, settings);
  }
  return weight;
}

}  // namespace due
