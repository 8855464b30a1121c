// How well and how fast the NP-VAE stands in for diffusion sampling, on the positives of one split (test by
// default) of files the workflow wrote:
//   - Pearson and Spearman correlation between the NP-VAE's predicted variance and the diffusion variance of
//     variance.h5, over every voxel of every gap;
//   - ROC AUC of each uncertainty for "this voxel is wrong": the diffusion mean (variance.h5 /mean), thresholded
//     at 0.5, disagrees with the full reference /mask of dataset.h5 (known on phantoms and LIDC);
//   - NP-VAE time per gap (deterministic latent, every missing slice of a volume in one batch, after one warm-up
//     volume), against the diffusion sampler's time per gap when --diffusion-seconds gives how long
//     due-sample-variance took to write variance.h5 (its attributes name T and the sampler), and against the
//     diffusion sampler timed here when --interpolator names the model: the first --diffusion-volumes positives
//     filled one volume per call (all its gaps and repeats batched, as due-sample-variance does) at
//     --samples T (10) and DDIM --sampling-steps (50), the setting.
//
//   build/bin/bench_np_vae --data dataset.h5 --variance variance.h5 --npvae npvae.pt
//       [--split test|validation|train] [--threads N] [--device cpu|cuda:N] [--diffusion-seconds S]
//       [--interpolator interpolator.pt [--diffusion-volumes 2] [--samples 10] [--sampling-steps 50]
//        [--fresh-samples 10] [--fresh-steps 10]]
// With --interpolator the NP-VAE is also scored against two fresh diffusion variances of the split's positives
// (T = --fresh-samples, DDIM --fresh-steps): Pearson with the first, and the ceiling, the Pearson of the second
// with the first.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "data/gaps.h"
#include "diffusion/gap_filling.h"
#include "diffusion/image_condition.h"
#include "diffusion/interpolator_trainer.h"
#include "data/sparse_slices.h"
#include "io/stage_files.h"
#include "metrics/classification.h"
#include "metrics/correlation.h"
#include "models/np_vae.h"
#include "models/np_vae_gaps.h"
#include "nn/tensors.h"
#include "util/seeding.h"
#include "util/torch_runtime.h"

namespace {

[[noreturn]] void usage(const std::string& problem) {
  std::fprintf(stderr,
               "bench_np_vae: %s\nusage: bench_np_vae --data dataset.h5 --variance variance.h5 --npvae npvae.pt "
               "[--split test|validation|train] [--threads N] [--device cpu|cuda:N] [--diffusion-seconds S] "
               "[--interpolator interpolator.pt [--diffusion-volumes N] [--samples T] [--sampling-steps K] "
               "[--fresh-samples T] [--fresh-steps K]]\n",
               problem.c_str());
  std::exit(2);
}

std::map<std::string, std::string> parse_arguments(int argc, char** argv) {
  std::map<std::string, std::string> args{{"split", "test"},         {"threads", "0"},    {"device", "cpu"},
                                          {"diffusion-volumes", "2"}, {"samples", "10"},   {"sampling-steps", "50"},
                                          {"fresh-samples", "10"},    {"fresh-steps", "10"}};
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0 || i + 1 >= argc) usage("expected --option value pairs, got '" + key + "'");
    args[key.substr(2)] = argv[i + 1];
  }
  for (const char* required : {"data", "variance", "npvae"})
    if (!args.count(required)) usage(std::string("--") + required + " is required");
  return args;
}

std::uint8_t split_code(const std::string& name) {
  if (name == "train") return due::kTrain;
  if (name == "validation") return due::kValidation;
  if (name == "test") return due::kTest;
  usage("--split must be train, validation or test, got '" + name + "'");
}

double number(const std::map<std::string, std::string>& args, const std::string& key) {
  char* end = nullptr;
  const std::string& text = args.at(key);
  const double value = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0' || value < 0) usage("--" + key + " must be a number >= 0, got '" + text + "'");
  return value;
}

std::size_t count_gaps(const due::VarianceReader& variance) {
  const std::size_t depth = variance.shape().depth;
  std::vector<std::uint8_t> layouts(variance.size() * depth);
  variance.file().read_rows("annotated_slices", 0, variance.size(), layouts.data());
  std::size_t gaps = 0;
  for (std::size_t row = 0; row < variance.size(); ++row)
    gaps += due::find_gaps({layouts.begin() + static_cast<std::ptrdiff_t>(row * depth),
                            layouts.begin() + static_cast<std::ptrdiff_t>((row + 1) * depth)})
                .size();
  return gaps;
}

// Seconds per gap of the diffusion sampler on the first `volumes` positives of `indices`, one volume per call.
double time_diffusion_per_gap(const due::DatasetReader& dataset, const std::vector<std::size_t>& positives,
                              const std::string& interpolator_path, std::size_t volumes, std::size_t samples,
                              std::size_t sampling_steps, const torch::Device& device) {
  due::LoadedInterpolator interpolator = due::load_interpolator(interpolator_path, device);
  const due::NoiseSchedule schedule(interpolator.architecture.schedule);
  due::FillingOptions options;
  options.repeats = samples;
  options.sampler.kind = due::SamplerKind::Ddim;
  options.sampler.steps = sampling_steps;
  double seconds = 0;
  std::size_t gaps = 0;
  for (std::size_t k = 0; k < volumes && k < positives.size(); ++k) {
    const due::DatasetSample sample = dataset.read(positives[k]);
    due::FillingJob job;
    job.annotated_slices = sample.annotated_slices;
    job.sparse = due::sparse_annotation(sample.mask, sample.annotated_slices);
    if (due::takes_image(interpolator.architecture.unet)) job.image = sample.image;
    job.seed = due::derive_seed(1, 0, k);
    const auto start = std::chrono::steady_clock::now();
    due::fill_gaps(*interpolator.model, interpolator.architecture.prediction, schedule, dataset.layout().shape, {job},
                   options, device);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    gaps += due::find_gaps(sample.annotated_slices).size();
    std::printf("diffusion (T = %zu, DDIM-%zu): volume %zu of %zu, %.1f s so far\n", samples, sampling_steps, k + 1,
                volumes, seconds);
    std::fflush(stdout);
  }
  if (gaps == 0) usage("no gap to time the diffusion sampler on");
  return seconds / static_cast<double>(gaps);
}

// A fresh diffusion variance at `samples` repeats and DDIM `steps` for every gap voxel of `positives`, in the order
// main collects them (volume, gap, voxel); `stream` keeps two calls' draws independent. The fair target for an
// NP-VAE trained on variance.h5's few-sample variances, and, run twice, the ceiling any predictor of it can reach.
std::vector<double> fresh_gap_variance(const due::DatasetReader& dataset, const std::vector<std::size_t>& positives,
                                       due::LoadedInterpolator& interpolator, std::size_t samples, std::size_t steps,
                                       std::uint64_t stream, const torch::Device& device) {
  const due::NoiseSchedule schedule(interpolator.architecture.schedule);
  const due::VolumeShape shape = dataset.layout().shape;
  const std::size_t plane = shape.height * shape.width;
  due::FillingOptions options;
  options.repeats = samples;
  options.sampler.kind = due::SamplerKind::Ddim;
  options.sampler.steps = std::min(steps, schedule.steps());
  // Gaps between two empty boundaries stay unsampled (variance 0), as in variance.h5 and in the pipeline.
  std::vector<double> out;
  for (std::size_t k = 0; k < positives.size(); ++k) {
    const due::DatasetSample sample = dataset.read(positives[k]);
    due::FillingJob job;
    job.annotated_slices = sample.annotated_slices;
    job.sparse = due::sparse_annotation(sample.mask, sample.annotated_slices);
    if (due::takes_image(interpolator.architecture.unet)) job.image = sample.image;
    job.seed = due::derive_seed(stream, 0xF5, k);
    const due::FilledVolume filled = due::fill_gaps(*interpolator.model, interpolator.architecture.prediction,
                                                    schedule, shape, {job}, options, device)[0];
    for (const due::Gap& gap : due::find_gaps(sample.annotated_slices))
      for (std::size_t i = (gap.before + 1) * plane; i < gap.after * plane; ++i) out.push_back(filled.variance[i]);
    std::printf("fresh diffusion variance %llu (T = %zu, DDIM-%zu): volume %zu of %zu\r",
                static_cast<unsigned long long>(stream), samples, options.sampler.steps, k + 1, positives.size());
    std::fflush(stdout);
  }
  std::printf("\n");
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse_arguments(argc, argv);
  const std::uint8_t split = split_code(args.at("split"));
  const int threads = due::configure_threads(static_cast<int>(number(args, "threads")));
  try {
    const due::DatasetReader dataset(args.at("data"));
    const due::VarianceReader variance(args.at("variance"));
    const torch::Device device = due::torch_device(due::resolve_device(args.at("device")));
    due::LoadedNpVae npvae = due::load_np_vae(args.at("npvae"), device);
    const due::VolumeShape shape = dataset.layout().shape;
    const std::size_t plane = shape.height * shape.width;
    const std::vector<std::uint8_t> labels = dataset.labels();

    // The free reference any learnt uncertainty has to beat: the Bernoulli variance p (1 - p) of the linear blend
    // p of the gap's two boundary slices at the slice's position (nonzero only where the boundaries disagree).
    std::vector<double> predicted, sampled, blend_variance;
    std::vector<std::size_t> positive_indices;
    std::vector<std::uint8_t> wrong;
    std::size_t positives = 0, gaps = 0;
    double npvae_seconds = 0;
    bool warmed_up = false;
    for (std::size_t index : dataset.indices_of_split(split)) {
      if (labels[index] != 1) continue;
      const due::DatasetSample sample = dataset.read(index);
      const due::VarianceRow row = variance.read(variance.require(sample.id));
      const std::vector<float> sparse = due::sparse_annotation(sample.mask, sample.annotated_slices);
      const std::vector<due::Gap> sample_gaps = due::find_gaps(sample.annotated_slices);
      const auto batch = static_cast<std::int64_t>(shape.depth);  // every missing slice of the volume at once
      if (!warmed_up) {
        due::predict_volume_variance(*npvae.model, sparse, shape, sample.annotated_slices, device, batch);
        warmed_up = true;
      }
      const auto start = std::chrono::steady_clock::now();
      const std::vector<float> prediction =
          due::predict_volume_variance(*npvae.model, sparse, shape, sample.annotated_slices, device, batch);
      npvae_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++positives;
      positive_indices.push_back(index);
      gaps += sample_gaps.size();
      for (const due::Gap& gap : sample_gaps) {
        for (std::size_t i = (gap.before + 1) * plane; i < gap.after * plane; ++i) {
          predicted.push_back(prediction[i]);
          const std::size_t pixel = i % plane;
          const double t = gap.position(i / plane);
          const double p = (1 - t) * sample.mask[gap.before * plane + pixel] + t * sample.mask[gap.after * plane + pixel];
          blend_variance.push_back(p * (1 - p));
          sampled.push_back(row.variance[i]);
          wrong.push_back((row.mean[i] >= 0.5f) != (sample.mask[i] != 0));
        }
      }
    }
    if (gaps == 0) usage("the " + args.at("split") + " split of " + args.at("data") + " has no positive with a gap");

    std::size_t wrong_voxels = 0;
    for (std::uint8_t w : wrong) wrong_voxels += w;
    auto attribute = [&](const char* name) {
      return variance.has_attribute(name) ? variance.attribute(name) : std::string("?");
    };
    std::printf("bench_np_vae: %zu %s positives, %zu gaps, %zu gap voxels (%zu wrong: diffusion mean >= 0.5 vs "
                "the reference mask); %d threads, device %s\n",
                positives, args.at("split").c_str(), gaps, predicted.size(), wrong_voxels, threads,
                device.str().c_str());
    std::printf("variance.h5: interpolator %s, sampler %s, %s steps, T = %s samples\n", attribute("interpolator").c_str(),
                attribute("sampler").c_str(), attribute("sampling_steps").c_str(), attribute("samples").c_str());
    std::printf("NP-VAE vs diffusion variance of variance.h5 (its training target): Pearson %.4f, Spearman %.4f\n",
                due::pearson_correlation(predicted, sampled), due::spearman_correlation(predicted, sampled));
    if (args.count("interpolator")) {
      // Scored against a fresh variance it never saw, at T >= 10, with the ceiling: how well a second fresh
      // variance (independent draws) predicts the first. No predictor of a noisy target beats that agreement.
      const auto samples = static_cast<std::size_t>(number(args, "fresh-samples"));
      const auto steps = static_cast<std::size_t>(number(args, "fresh-steps"));
      due::LoadedInterpolator interpolator = due::load_interpolator(args.at("interpolator"), device);
      const std::vector<double> first =
          fresh_gap_variance(dataset, positive_indices, interpolator, samples, steps, 1, device);
      const std::vector<double> second =
          fresh_gap_variance(dataset, positive_indices, interpolator, samples, steps, 2, device);
      const double score = due::pearson_correlation(predicted, first);
      const double ceiling = due::pearson_correlation(second, first);
      std::printf("NP-VAE vs diffusion variance: Pearson %.4f, ceiling %.4f (%.0f%% of it; fresh T = %zu, DDIM-%zu "
                  "variances of these %s positives, never seen in training)\n",
                  score, ceiling, 100.0 * score / ceiling, samples, steps, args.at("split").c_str());
    }
    std::printf("boundary blend p(1-p) vs diffusion variance: Pearson %.4f, Spearman %.4f\n",
                due::pearson_correlation(blend_variance, sampled), due::spearman_correlation(blend_variance, sampled));
    std::printf("AUROC for 'voxel is wrong': NP-VAE %.4f, diffusion variance %.4f, boundary blend p(1-p) %.4f\n",
                due::roc_auc(predicted, wrong), due::roc_auc(sampled, wrong), due::roc_auc(blend_variance, wrong));
    auto mean_and_max = [](const std::vector<double>& v) {
      double sum = 0, high = 0;
      for (double x : v) sum += x, high = std::max(high, x);
      return std::make_pair(sum / static_cast<double>(v.size()), high);
    };
    const auto [npvae_mean, npvae_max] = mean_and_max(predicted);
    const auto [sampled_mean, sampled_max] = mean_and_max(sampled);
    std::printf("variance over gap voxels, mean / max: NP-VAE %.3g / %.3g, diffusion %.3g / %.3g\n", npvae_mean,
                npvae_max, sampled_mean, sampled_max);
    const double npvae_per_gap = npvae_seconds / static_cast<double>(gaps);
    std::printf("NP-VAE: %.3f ms per gap\n", 1e3 * npvae_per_gap);
    if (args.count("diffusion-seconds")) {
      const std::size_t all_gaps = count_gaps(variance);
      const double diffusion_per_gap = number(args, "diffusion-seconds") / static_cast<double>(all_gaps);
      std::printf("diffusion sampling: %.3f ms per gap (%s s over the %zu gaps of variance.h5); speed-up %.1fx\n",
                  1e3 * diffusion_per_gap, args.at("diffusion-seconds").c_str(), all_gaps,
                  diffusion_per_gap / npvae_per_gap);
    }
    if (args.count("interpolator")) {
      const auto samples = static_cast<std::size_t>(number(args, "samples"));
      const auto steps = static_cast<std::size_t>(number(args, "sampling-steps"));
      const double diffusion_per_gap =
          time_diffusion_per_gap(dataset, positive_indices, args.at("interpolator"),
                                 static_cast<std::size_t>(number(args, "diffusion-volumes")), samples, steps, device);
      std::printf("diffusion sampling timed here (T = %zu, DDIM-%zu): %.3f ms per gap; speed-up %.1fx\n", samples,
                  steps, 1e3 * diffusion_per_gap, diffusion_per_gap / npvae_per_gap);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_np_vae: %s\n", e.what());
    return 2;
  }
  return 0;
}
