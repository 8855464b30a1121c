#include "raters/rater_noise.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "cli/config.h"
#include "util/seeding.h"

namespace due {
namespace {

// Voxels whose value is `from` and that touch a voxel of the other value (6-neighbours; outside = background).
std::vector<std::size_t> boundary_layer(const std::vector<std::uint8_t>& mask, const VolumeShape& shape,
                                        std::uint8_t from) {
  const std::size_t D = shape.depth, H = shape.height, W = shape.width;
  std::vector<std::size_t> layer;
  for (std::size_t z = 0; z < D; ++z)
    for (std::size_t y = 0; y < H; ++y)
      for (std::size_t x = 0; x < W; ++x) {
        const std::size_t i = (z * H + y) * W + x;
        if ((mask[i] != 0) != (from != 0)) continue;
        const bool at_edge = z == 0 || y == 0 || x == 0 || z + 1 == D || y + 1 == H || x + 1 == W;
        bool touches = false;
        if (from == 0) {  // background next to the mask; the outside is never mask
          touches = (z > 0 && mask[i - H * W]) || (z + 1 < D && mask[i + H * W]) || (y > 0 && mask[i - W]) ||
                    (y + 1 < H && mask[i + W]) || (x > 0 && mask[i - 1]) || (x + 1 < W && mask[i + 1]);
        } else {  // mask next to background, the outside included
          touches = at_edge || !mask[i - H * W] || !mask[i + H * W] || !mask[i - W] || !mask[i + W] || !mask[i - 1] ||
                    !mask[i + 1];
        }
        if (touches) layer.push_back(i);
      }
  return layer;
}

}  // namespace

RaterNoiseSettings rater_noise_from(const Config& config) {
  RaterNoiseSettings s;
  s.enabled = config.get_bool("preprocess.rater_noise.enabled");
  const std::vector<std::int64_t> steps = config.get_ints("preprocess.rater_noise.steps");
  const std::vector<double> fractions = config.get_floats("preprocess.rater_noise.fraction");
  if (fractions.size() != steps.size())
    config.fail("preprocess.rater_noise.fraction", "needs one entry per entry of preprocess.rater_noise.steps (" +
                                                       std::to_string(steps.size()) + ")");
  for (std::size_t r = 0; r < steps.size(); ++r) {
    if (std::abs(steps[r]) > 64) config.fail("preprocess.rater_noise.steps", "entries must be in [-64, 64]");
    if (!(fractions[r] >= 0 && fractions[r] <= 1)) config.fail("preprocess.rater_noise.fraction", "entries must be in [0, 1]");
    s.per_rater.push_back(BoundaryNoise{steps[r], fractions[r]});
  }
  return s;
}

void move_mask_boundary(std::vector<std::uint8_t>& mask, const VolumeShape& shape, const BoundaryNoise& noise,
                        std::mt19937_64& rng) {
  if (mask.size() != shape.voxels()) throw std::logic_error("move_mask_boundary: mask does not match its shape");
  const std::uint8_t from = noise.steps > 0 ? 0 : 1;
  for (std::int64_t step = 0; step < std::abs(noise.steps); ++step) {
    std::vector<std::size_t> layer = boundary_layer(mask, shape, from);
    std::size_t flips = layer.size();
    if (noise.fraction < 1) {
      flips = static_cast<std::size_t>(std::llround(noise.fraction * static_cast<double>(layer.size())));
      std::shuffle(layer.begin(), layer.end(), rng);
    }
    for (std::size_t k = 0; k < flips; ++k) mask[layer[k]] = static_cast<std::uint8_t>(1 - from);
  }
}

void apply_rater_noise(DatasetSample& sample, const VolumeShape& shape, const RaterNoiseSettings& settings,
                       std::uint64_t seed) {
  if (!settings.enabled) return;
  const std::size_t voxels = shape.voxels();
  const std::size_t R = std::min(sample.rater_present.size(), settings.per_rater.size());
  for (std::size_t r = 0; r < R; ++r) {
    if (!sample.rater_present[r] || settings.per_rater[r].steps == 0) continue;
    std::vector<std::uint8_t> mask(sample.raters.begin() + static_cast<std::ptrdiff_t>(r * voxels),
                                   sample.raters.begin() + static_cast<std::ptrdiff_t>((r + 1) * voxels));
    // An empty mask (a negative sample) stays empty: there is no boundary to move.
    if (std::none_of(mask.begin(), mask.end(), [](std::uint8_t v) { return v != 0; })) continue;
    std::mt19937_64 rng(derive_seed(seed, r));
    move_mask_boundary(mask, shape, settings.per_rater[r], rng);
    std::copy(mask.begin(), mask.end(), sample.raters.begin() + static_cast<std::ptrdiff_t>(r * voxels));
  }
}

}  // namespace due
