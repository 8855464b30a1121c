#include "stages/sample_variance.h"

#include <algorithm>

#include "cli/logging.h"
#include "cli/progress.h"
#include "cli/tool.h"
#include "diffusion/gap_filling.h"
#include "diffusion/interpolator_trainer.h"
#include "io/stage_files.h"
#include "nn/tensors.h"
#include "util/errors.h"
#include "util/seeding.h"

namespace due {
namespace {

constexpr std::uint64_t kFillingStream = 0x5A11;

struct VarianceSettings {
  FillingOptions filling;
  std::size_t samples_per_round = 8;
};

VarianceSettings variance_settings_from(const Config& config, std::size_t schedule_steps) {
  VarianceSettings s;
  const std::int64_t samples = config.get_int("variance.samples");
  if (samples < 1) config.fail("variance.samples", "must be >= 1");
  s.filling.repeats = static_cast<std::size_t>(samples);
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

}  // namespace

int run_sample_variance(ToolContext& context, const std::string& data_path, const std::string& model_path,
                        const std::string& out_path) {
  if (data_path.empty()) throw UsageError("--data FILE is required");
  if (model_path.empty()) throw UsageError("--model FILE is required");
  if (out_path.empty()) throw UsageError("--out FILE is required");
  const Config& config = context.config;
  const torch::Device device = torch_device(context.device);
  LoadedInterpolator interpolator = load_interpolator(model_path, device);
  const NoiseSchedule schedule(interpolator.architecture.schedule);
  const VarianceSettings settings = variance_settings_from(config, schedule.steps());
  const std::int64_t gzip = config.get_int("io.gzip_level");
  if (gzip < 0 || gzip > 9) config.fail("io.gzip_level", "must be in 0..9");

  const DatasetReader dataset(data_path);
  const VolumeShape& shape = dataset.layout().shape;
  const std::int64_t multiple = interpolator.architecture.unet.size_multiple();
  if (static_cast<std::int64_t>(shape.height) % multiple || static_cast<std::int64_t>(shape.width) % multiple)
    throw InputError(data_path + ": slices of " + std::to_string(shape.height) + "x" + std::to_string(shape.width) +
                     " do not fit " + model_path + " (height and width must be multiples of " +
                     std::to_string(multiple) + ")");
  const std::vector<std::uint8_t> labels = dataset.labels();
  const std::vector<std::uint8_t> layouts = dataset.annotated_slices();
  std::vector<std::size_t> positives;
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const auto first = layouts.begin() + static_cast<std::ptrdiff_t>(i * shape.depth);
    if (labels[i] == 1 && std::any_of(first, first + static_cast<std::ptrdiff_t>(shape.depth), [](auto v) { return v != 0; }))
      positives.push_back(i);
  }

  const FileAttributes attributes{{"interpolator", "diffusion"},
                                  {"sampler", sampler_name(settings.filling.sampler.kind)},
                                  {"sampling_steps", std::to_string(settings.filling.sampler.steps)},
                                  {"samples", std::to_string(settings.filling.repeats)},
                                  {"dataset", data_path}};
  VarianceWriter writer(out_path, shape, context.provenance(), attributes, static_cast<int>(gzip));
  log_info("sampling ", positives.size(), " positives, T = ", settings.filling.repeats, ", ",
           sampler_name(settings.filling.sampler.kind), " ", settings.filling.sampler.steps, " steps");

  Progress progress("variance", positives.size(), "samples");
  std::size_t slices_sampled = 0;
  for (std::size_t start = 0; start < positives.size(); start += settings.samples_per_round) {
    const std::vector<std::size_t> round(
        positives.begin() + static_cast<std::ptrdiff_t>(start),
        positives.begin() + static_cast<std::ptrdiff_t>(std::min(positives.size(), start + settings.samples_per_round)));
    const std::vector<DatasetSample> samples = dataset.read_batch(round);
    std::vector<FillingJob> jobs;
    for (std::size_t k = 0; k < round.size(); ++k) {
      FillingJob job;
      job.annotated_slices = samples[k].annotated_slices;
      job.sparse.assign(samples[k].mask.begin(), samples[k].mask.end());
      job.seed = derive_seed(context.seed, kFillingStream, round[k]);
      jobs.push_back(std::move(job));
    }
    slices_sampled += slices_to_sample(shape, jobs, settings.filling);
    const std::vector<FilledVolume> filled =
        fill_gaps(*interpolator.model, interpolator.architecture.prediction, schedule, shape, jobs,
                  settings.filling, device);
    for (std::size_t k = 0; k < filled.size(); ++k) {
      VarianceRow row;
      row.id = samples[k].id;
      row.mean = filled[k].mean;
      row.variance = filled[k].variance;
      row.annotated_slices = samples[k].annotated_slices;
      writer.append(row);
    }
    progress.advance(round.size());
  }
  progress.finish();
  writer.commit();
  log_info("wrote ", out_path, ": ", writer.size(), " positives, ", slices_sampled, " slices sampled");
  return kExitOk;
}

}  // namespace due
