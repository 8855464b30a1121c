#pragma once
// Diffusion variance of one volume's gaps, as due-sample-variance writes it to variance.h5 and as
// due-impute-annotations computes it on the fly when given the interpolator instead of variance.h5: the same
// settings (variance.*) and the same per-sample random stream, so both give the same numbers.
#include <cstdint>
#include <string>

#include "diffusion/gap_filling.h"
#include "diffusion/interpolator_trainer.h"
#include "io/stage_files.h"

namespace due {

class Config;

struct VarianceSettings {
  FillingOptions filling;
  std::size_t samples_per_round = 8;  // volumes batched in one fill_gaps call by due-sample-variance
};

// variance.* of `config`; `schedule_steps` bounds variance.steps. Config::fail (UsageError) on a bad value.
VarianceSettings variance_settings_from(const Config& config, std::size_t schedule_steps);

// The random stream of dataset sample `index` (fill_gaps gives the same result however volumes are batched).
std::uint64_t filling_seed(std::uint64_t seed, std::size_t index);

// InputError unless `shape`'s slices fit the interpolator's UNet (height and width multiples of its downsampling).
void require_slices_fit(const VolumeShape& shape, const InterpolatorArchitecture& architecture,
                        const std::string& data_path, const std::string& model_path);

// The attributes variance.h5 records about how it was sampled.
FileAttributes variance_attributes(const VarianceSettings& settings);

}  // namespace due
