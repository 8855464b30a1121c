#include "stages/sample_variance.h"

#include <algorithm>

#include "cli/logging.h"
#include "cli/progress.h"
#include "cli/tool.h"
#include "diffusion/gap_filling.h"
#include "diffusion/image_condition.h"
#include "diffusion/interpolator_trainer.h"
#include "diffusion/variance_sampling.h"
#include "io/stage_files.h"
#include "io/training_dataset.h"
#include "nn/tensors.h"
#include "stages/output_settings.h"
#include "util/errors.h"

namespace due {

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
  const int gzip = gzip_level_from(config);

  // The fillings are conditioned on annotated slices only, and nothing here may see the slices between them.
  const TrainingDatasetReader dataset(data_path);
  const VolumeShape& shape = dataset.layout().shape;
  require_slices_fit(shape, interpolator.architecture, data_path, model_path);
  const std::vector<std::uint8_t> labels = dataset.labels();
  const std::vector<std::uint8_t> layouts = dataset.annotated_slices();
  std::vector<std::size_t> positives;
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const auto first = layouts.begin() + static_cast<std::ptrdiff_t>(i * shape.depth);
    if (labels[i] == 1 && std::any_of(first, first + static_cast<std::ptrdiff_t>(shape.depth), [](auto v) { return v != 0; }))
      positives.push_back(i);
  }

  FileAttributes attributes = variance_attributes(settings);
  attributes["dataset"] = data_path;
  VarianceWriter writer(out_path, shape, context.provenance(), attributes, gzip);
  log_info("sampling ", positives.size(), " positives, T = ", settings.filling.repeats, ", ",
           gap_fill_name(settings.filling.fill), " fill, ",
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
      if (takes_image(interpolator.architecture.unet)) job.image = samples[k].image;
      job.seed = filling_seed(context.seed, round[k]);
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
