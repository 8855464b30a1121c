#include "diffusion/variance_sampling.h"

#include "cli/config.h"
#include "util/errors.h"
#include "util/seeding.h"

namespace due {
namespace {
constexpr std::uint64_t kFillingStream = 0x5A11;
}  // namespace

VarianceSettings variance_settings_from(const Config& config, std::size_t schedule_steps) {
  VarianceSettings s;
  const std::int64_t samples = config.get_int("variance.samples");
  if (samples < 1) config.fail("variance.samples", "must be >= 1");
  s.filling.repeats = static_cast<std::size_t>(samples);
  s.filling.fill = config.parse_string("variance.fill", parse_gap_fill);
  const std::string sampler = config.get_string("variance.sampler");
  if (sampler != "ddpm" && sampler != "ddim") config.fail("variance.sampler", "must be ddpm or ddim");
  s.filling.sampler.kind = parse_sampler(sampler);
  const std::int64_t steps = config.get_int("variance.steps");
  if (steps < 1 || static_cast<std::size_t>(steps) > schedule_steps)
    config.fail("variance.steps", "must be in 1.." + std::to_string(schedule_steps) + " (the model's schedule)");
  s.filling.sampler.steps = static_cast<std::size_t>(steps);
  s.filling.sampler.eta = config.get_float("variance.eta");
  if (s.filling.sampler.eta < 0) config.fail("variance.eta", "must be >= 0");
  const std::int64_t batch = config.get_int("variance.batch_size");
  if (batch < 1) config.fail("variance.batch_size", "must be >= 1");
  s.filling.batch_size = static_cast<std::size_t>(batch);
  const std::int64_t per_round = config.get_int("variance.samples_per_round");
  if (per_round < 1) config.fail("variance.samples_per_round", "must be >= 1");
  s.samples_per_round = static_cast<std::size_t>(per_round);
  s.filling.skip_empty_gaps = config.get_bool("variance.skip_empty_gaps");
  return s;
}

std::uint64_t filling_seed(std::uint64_t seed, std::size_t index) { return derive_seed(seed, kFillingStream, index); }

void require_slices_fit(const VolumeShape& shape, const InterpolatorArchitecture& architecture,
                        const std::string& data_path, const std::string& model_path) {
  const std::int64_t multiple = architecture.unet.size_multiple();
  if (static_cast<std::int64_t>(shape.height) % multiple || static_cast<std::int64_t>(shape.width) % multiple)
    throw InputError(data_path + ": slices of " + std::to_string(shape.height) + "x" + std::to_string(shape.width) +
                     " do not fit " + model_path + " (height and width must be multiples of " +
                     std::to_string(multiple) + ")");
}

FileAttributes variance_attributes(const VarianceSettings& settings) {
  return {{"interpolator", "diffusion"},
          {"fill", gap_fill_name(settings.filling.fill)},
          {"sampler", sampler_name(settings.filling.sampler.kind)},
          {"sampling_steps", std::to_string(settings.filling.sampler.steps)},
          {"samples", std::to_string(settings.filling.repeats)}};
}

}  // namespace due
