#include "stages/impute_annotations.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "cli/logging.h"
#include "cli/progress.h"
#include "cli/tool.h"
#include "data/gaps.h"
#include "data/sparse_slices.h"
#include "diffusion/image_condition.h"
#include "diffusion/variance_sampling.h"
#include "imputation/classical.h"
#include "imputation/uncertainty_weights.h"
#include "io/atomic_output.h"
#include "io/nifti_io.h"
#include "io/output_paths.h"
#include "io/stage_files.h"
#include "io/training_dataset.h"
#include "models/np_vae.h"
#include "models/np_vae_gaps.h"
#include "nn/tensors.h"
#include "stages/output_settings.h"
#include "util/errors.h"
#include "util/seeding.h"

namespace due {
namespace {

constexpr std::uint64_t kLatentStream = 0x494d'0001;  // derive_seed stream of NP-VAE latent samples
constexpr std::uint64_t kRaterStream = 0x494d'0002;   // per-rater draws, derived from the sample's own seeds

enum class Interpolator { Diffusion, Linear, Shape };
enum class Uncertainty { NpVae, Diffusion, Blend, None };

struct ImputeSettings {
  std::string interpolator_name, uncertainty_name;
  Interpolator interpolator = Interpolator::Diffusion;
  Uncertainty uncertainty = Uncertainty::NpVae;
  WeightSettings weights;
  bool sample_latent = false;
  std::int64_t npvae_batch_size = 0;
  std::string export_nifti;
  int gzip_level = 1;
  bool per_rater = false;
};

ImputeSettings settings_from(const Config& config) {
  ImputeSettings s;
  s.interpolator_name = config.get_string("impute.interpolator");
  if (s.interpolator_name == "diffusion") s.interpolator = Interpolator::Diffusion;
  else if (s.interpolator_name == "linear") s.interpolator = Interpolator::Linear;
  else if (s.interpolator_name == "shape") s.interpolator = Interpolator::Shape;
  else config.fail("impute.interpolator", "must be diffusion, linear or shape; got '" + s.interpolator_name + "'");
  s.uncertainty_name = config.get_string("impute.uncertainty");
  if (s.uncertainty_name == "npvae") s.uncertainty = Uncertainty::NpVae;
  else if (s.uncertainty_name == "diffusion") s.uncertainty = Uncertainty::Diffusion;
  else if (s.uncertainty_name == "blend") s.uncertainty = Uncertainty::Blend;
  else if (s.uncertainty_name == "none") s.uncertainty = Uncertainty::None;
  else config.fail("impute.uncertainty", "must be npvae, diffusion, blend or none; got '" + s.uncertainty_name + "'");
  s.weights.normalisation = config.parse_string("impute.weight_normalisation", parse_weight_normalisation);
  s.weights.formula = config.parse_string("impute.weight_formula", parse_weight_formula);
  s.weights.uniform_range = config.get_float("impute.uniform_range");
  if (!(s.weights.uniform_range >= 0)) config.fail("impute.uniform_range", "must be >= 0");
  const std::string latent = config.get_string("impute.npvae_latent");
  if (latent != "mean" && latent != "sample") config.fail("impute.npvae_latent", "must be mean or sample; got '" + latent + "'");
  s.sample_latent = latent == "sample";
  s.npvae_batch_size = config.get_int("impute.npvae_batch_size");
  if (s.npvae_batch_size < 1) config.fail("impute.npvae_batch_size", "must be >= 1");
  s.export_nifti = config.get_string("impute.export_nifti");
  s.per_rater = config.get_bool("impute.per_rater");
  s.gzip_level = gzip_level_from(config);
  return s;
}

// The files the chosen interpolator and uncertainty read, opened and checked against the dataset.
struct Sources {
  std::optional<VarianceReader> variance;
  // The interpolator sampled on the fly when no variance.h5 is given.
  std::optional<LoadedInterpolator> interpolator;
  std::optional<NoiseSchedule> schedule;
  VarianceSettings sampling;
  std::optional<LoadedNpVae> npvae;
};

Sources open_sources(const ImputeSettings& s, const Config& config, const ImputeAnnotationsPaths& paths,
                     const VolumeShape& shape, const torch::Device& device) {
  Sources sources;
  const bool needs_variance = s.interpolator == Interpolator::Diffusion || s.uncertainty == Uncertainty::Diffusion;
  if (needs_variance) {
    if (paths.variance.empty() == paths.model.empty())
      throw UsageError(std::string(s.interpolator == Interpolator::Diffusion ? "--interpolator" : "--uncertainty") +
                       " diffusion needs either --variance FILE (variance.h5 from due-sample-variance) or --model "
                       "FILE (interpolator.pt, sampled on the fly), not both");
    if (!paths.variance.empty()) {
      if (s.per_rater)
        throw UsageError("--per-rater with diffusion needs --model FILE (interpolator.pt, each rater sampled on the "
                         "fly): --variance " + paths.variance + " holds the imputation of /mask only");
      sources.variance.emplace(paths.variance);
      if (!(sources.variance->shape() == shape))
        throw InputError(paths.variance + ": volumes are not of the shape of " + paths.data + "'s");
    } else {
      sources.interpolator = load_interpolator(paths.model, device);
      require_slices_fit(shape, sources.interpolator->architecture, paths.data, paths.model);
      sources.schedule.emplace(sources.interpolator->architecture.schedule);
      sources.sampling = variance_settings_from(config, sources.schedule->steps());
    }
  } else {
    for (const std::string& unused : {paths.variance, paths.model})
      if (!unused.empty())
        log_warn(unused, " is not used with --interpolator ", s.interpolator_name, " --uncertainty ",
                 s.uncertainty_name);
  }
  if (s.uncertainty == Uncertainty::NpVae) {
    if (paths.npvae.empty()) throw UsageError("--uncertainty npvae needs --npvae FILE (npvae.pt from due-train-np-vae)");
    sources.npvae = load_np_vae(paths.npvae, device);
    const NpVaeArchitecture& a = sources.npvae->architecture;
    if (a.height != static_cast<std::int64_t>(shape.height) || a.width != static_cast<std::int64_t>(shape.width))
      throw InputError(paths.npvae + ": trained on " + std::to_string(a.height) + "x" + std::to_string(a.width) +
                       " slices, " + paths.data + " has " + std::to_string(shape.height) + "x" +
                       std::to_string(shape.width));
  } else if (!paths.npvae.empty()) {
    log_warn("--npvae ", paths.npvae, " is not used with --uncertainty ", s.uncertainty_name);
  }
  return sources;
}

// Human slices where annotated, the imputation in the gaps, the nearest annotated slice outside them.
std::vector<float> dense_annotation(const ImputeSettings& s, const std::vector<float>& sparse, const DatasetSample& sample,
                                    const VolumeShape& shape, const std::optional<VarianceRow>& row) {
  if (s.interpolator == Interpolator::Linear) return interpolate_linear(sparse, shape, sample.annotated_slices);
  if (s.interpolator == Interpolator::Shape)
    return interpolate_shape(sparse, shape, sample.annotated_slices,
                             {sample.spacing[0], sample.spacing[1], sample.spacing[2]});
  std::vector<float> dense = row->mean;
  const std::size_t plane = shape.height * shape.width;
  for (std::size_t z = 0; z < shape.depth; ++z) {
    if (!sample.annotated_slices[z]) continue;
    std::copy_n(sparse.begin() + static_cast<std::ptrdiff_t>(z * plane), plane,
                dense.begin() + static_cast<std::ptrdiff_t>(z * plane));
  }
  carry_to_slices_outside_gaps(dense, shape, sample.annotated_slices);
  for (float& v : dense) v = std::clamp(v, 0.f, 1.f);
  return dense;
}

// The diffusion mean and variance of `sparse` sampled here with `seed` (the interpolator given by --model).
VarianceRow sample_on_the_fly(Sources& sources, const DatasetSample& sample, const std::vector<float>& sparse,
                              const VolumeShape& shape, std::uint64_t seed, const torch::Device& device) {
  FillingJob job;
  job.annotated_slices = sample.annotated_slices;
  job.sparse = sparse;
  if (takes_image(sources.interpolator->architecture.unet)) job.image = sample.image;
  job.seed = seed;
  FilledVolume filled = fill_gaps(*sources.interpolator->model, sources.interpolator->architecture.prediction,
                                  *sources.schedule, shape, {job}, sources.sampling.filling, device)[0];
  return VarianceRow{sample.id, std::move(filled.mean), std::move(filled.variance), sample.annotated_slices};
}

struct Imputed {
  std::vector<float> annotation, weight;
};

// The dense annotation and weight of one set of annotated slices (`sparse`): of /mask, or of one rater's mask.
// `row` is the diffusion's mean and variance of these slices when the interpolator or uncertainty needs them.
// `what` names the source in errors ("sample 'id'", "sample 'id' rater 2").
Imputed impute(const ImputeSettings& s, Sources& sources, const ImputeAnnotationsPaths& paths,
               const DatasetSample& sample, const VolumeShape& shape, const std::vector<float>& sparse,
               std::optional<VarianceRow> row, std::optional<std::uint64_t> latent_seed, const std::string& what,
               const torch::Device& device) {
  Imputed out;
  out.annotation = dense_annotation(s, sparse, sample, shape, row);
  if (s.uncertainty == Uncertainty::None) {
    out.weight.assign(shape.voxels(), 1.f);
    return out;
  }
  std::vector<float> uncertainty;
  if (s.uncertainty == Uncertainty::Diffusion)
    uncertainty = std::move(row->variance);
  else if (s.uncertainty == Uncertainty::Blend)
    uncertainty = boundary_blend_variance(sparse, shape, sample.annotated_slices);
  else
    uncertainty = predict_volume_variance(*sources.npvae->model, sparse, shape, sample.annotated_slices, device,
                                          s.npvae_batch_size, latent_seed);
  try {
    out.weight = uncertainty_weights(uncertainty, shape, sample.annotated_slices, s.weights);
  } catch (const std::invalid_argument& e) {
    const std::string& source = s.uncertainty == Uncertainty::Blend       ? paths.data
                                : s.uncertainty != Uncertainty::Diffusion ? paths.npvae
                                : sources.variance                        ? paths.variance
                                                                          : paths.model;
    throw InputError(source + ": " + what + ": " + e.what());
  }
  return out;
}

// Each present rater slot's annotated slices imputed alone into out.rater_* (zeros for an absent slot). The
// slot's draws come from the sample's seeds and the slot, so they differ from /mask's and from each other's.
void impute_each_rater(const ImputeSettings& s, Sources& sources, const ImputeAnnotationsPaths& paths,
                       const DatasetSample& sample, const VolumeShape& shape, std::size_t raters,
                       std::uint64_t fill_seed, std::uint64_t latent_seed, const torch::Device& device,
                       AnnotationRow& out) {
  const std::size_t voxels = shape.voxels();
  out.rater_present = sample.rater_present;
  out.rater_annotation.assign(raters * voxels, 0.f);
  out.rater_weight.assign(raters * voxels, 0.f);
  for (std::size_t r = 0; r < raters; ++r) {
    if (!sample.rater_present[r]) continue;
    const auto first = static_cast<std::ptrdiff_t>(r * voxels);
    const std::vector<std::uint8_t> mask(sample.raters.begin() + first,
                                         sample.raters.begin() + first + static_cast<std::ptrdiff_t>(voxels));
    const std::vector<float> sparse = sparse_annotation(mask, sample.annotated_slices);
    std::optional<VarianceRow> row;
    if (sources.interpolator)
      row = sample_on_the_fly(sources, sample, sparse, shape, derive_seed(fill_seed, kRaterStream, r), device);
    std::optional<std::uint64_t> rater_latent_seed;
    if (s.sample_latent) rater_latent_seed = derive_seed(latent_seed, kRaterStream, r);
    const Imputed imputed = impute(s, sources, paths, sample, shape, sparse, std::move(row), rater_latent_seed,
                                   "sample '" + sample.id + "' rater " + std::to_string(r), device);
    std::copy(imputed.annotation.begin(), imputed.annotation.end(), out.rater_annotation.begin() + first);
    std::copy(imputed.weight.begin(), imputed.weight.end(), out.rater_weight.begin() + first);
  }
}

}  // namespace

int run_impute_annotations(ToolContext& context, const ImputeAnnotationsPaths& paths) {
  if (paths.data.empty()) throw UsageError("--data FILE (dataset.h5) is required");
  if (paths.out.empty()) throw UsageError("--out FILE is required");
  const ImputeSettings settings = settings_from(context.config);
  // /mask and every rater's mask are imputed from their annotated slices alone.
  const TrainingDatasetReader dataset(paths.data);
  const VolumeShape& shape = dataset.layout().shape;
  const torch::Device device = torch_device(context.device);
  Sources sources = open_sources(settings, context.config, paths, shape, device);
  if (!settings.export_nifti.empty()) prepare_output_folder("--export-nifti", settings.export_nifti);

  FileAttributes attributes{{"interpolator", settings.interpolator_name},
                            {"uncertainty", settings.uncertainty_name},
                            {"weight_normalisation", weight_normalisation_name(settings.weights.normalisation)},
                            {"weight_formula", weight_formula_name(settings.weights.formula)},
                            {"dataset", paths.data}};
  if (sources.variance) attributes["variance"] = paths.variance;
  if (sources.interpolator) {
    attributes["interpolator_model"] = paths.model;
    for (const auto& [key, value] : variance_attributes(sources.sampling))
      if (key != "interpolator") attributes["variance_" + key] = value;
    log_info("sampling the diffusion variance on the fly: T = ", sources.sampling.filling.repeats, ", ",
             gap_fill_name(sources.sampling.filling.fill), " fill, ",
             sampler_name(sources.sampling.filling.sampler.kind), " ", sources.sampling.filling.sampler.steps,
             " steps");
  }
  if (sources.npvae) {
    attributes["npvae"] = paths.npvae;
    attributes["npvae_latent"] = settings.sample_latent ? "sample" : "mean";
  }
  const std::size_t raters = settings.per_rater ? dataset.layout().raters : 0;
  if (settings.per_rater) {
    if (raters == 0)
      throw InputError(paths.data + ": has no /raters (0 rater slots); --per-rater imputes each rater's mask");
    attributes["per_rater"] = "true";
    log_info("imputing each of the ", raters, " rater slots' annotated slices alone as well (--per-rater)");
  }
  AnnotationWriter writer(paths.out, shape, context.provenance(), attributes, settings.gzip_level, raters);

  const std::vector<std::uint8_t> labels = dataset.labels();
  std::vector<std::size_t> positives;
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == 1) positives.push_back(i);
  if (positives.empty()) log_warn(paths.data, " has no positive sample: ", paths.out, " will have no rows");

  Progress progress("positives", positives.size(), "samples");
  double gap_weight_sum = 0, gap_voxels = 0;
  for (std::size_t index : positives) {
    const DatasetSample sample = dataset.read(index);
    const std::vector<float> sparse = sparse_annotation(sample.mask, sample.annotated_slices);
    const std::uint64_t fill_seed = filling_seed(context.seed, index);
    const std::uint64_t latent_seed = derive_seed(context.seed, kLatentStream, index);
    std::optional<VarianceRow> row;
    if (sources.variance) {
      row = sources.variance->read(sources.variance->require(sample.id));
      if (row->annotated_slices != sample.annotated_slices)
        throw InputError(paths.variance + ": row '" + sample.id + "' was filled for other annotated slices than " +
                         paths.data + " has");
    } else if (sources.interpolator) {
      row = sample_on_the_fly(sources, sample, sparse, shape, fill_seed, device);
    }
    std::optional<std::uint64_t> mask_latent_seed;
    if (settings.sample_latent) mask_latent_seed = latent_seed;
    Imputed imputed = impute(settings, sources, paths, sample, shape, sparse, std::move(row), mask_latent_seed,
                             "sample '" + sample.id + "'", device);
    AnnotationRow out;
    out.id = sample.id;
    out.annotated_slices = sample.annotated_slices;
    out.annotation = std::move(imputed.annotation);
    out.weight = std::move(imputed.weight);
    if (raters > 0)
      impute_each_rater(settings, sources, paths, sample, shape, raters, fill_seed, latent_seed, device, out);
    const std::size_t plane = shape.height * shape.width;
    for (const Gap& gap : find_gaps(sample.annotated_slices)) {
      for (std::size_t i = (gap.before + 1) * plane; i < gap.after * plane; ++i) gap_weight_sum += out.weight[i];
      gap_voxels += static_cast<double>(gap.missing() * plane);
    }
    if (!settings.export_nifti.empty()) {
      VolumeGeometry geometry;
      geometry.shape = shape;
      geometry.spacing = {sample.spacing[0], sample.spacing[1], sample.spacing[2]};
      write_nifti(settings.export_nifti + "/" + sample.id + "_annotation.nii.gz", geometry, out.annotation);
      write_nifti(settings.export_nifti + "/" + sample.id + "_weight.nii.gz", geometry, out.weight);
    }
    writer.append(out);
    progress.advance();
  }
  progress.finish();
  writer.commit();
  log_info("wrote ", paths.out, ": ", writer.size(), " positives, interpolator ", settings.interpolator_name,
           ", uncertainty ", settings.uncertainty_name, ", weights per ",
           weight_normalisation_name(settings.weights.normalisation), " (", weight_formula_name(settings.weights.formula),
           "), mean weight in the gaps ", gap_voxels > 0 ? gap_weight_sum / gap_voxels : 1.0, "; ",
           progress.elapsed_seconds() / std::max<double>(1.0, static_cast<double>(positives.size())), " s per sample");
  return kExitOk;
}

}  // namespace due
