// Interpolation quality and cost on phantom test positives, whose full masks are known: Dice and voxel error of
// the imputed slices against the truth by gap size for diffusion (mean of T fillings), linear and shape
// interpolation; how well the diffusion variance points at the errors; sampling time per gap for DDPM-1000,
// DDIM-50 and DDIM-10. Prints figures; not a test. `fill` is variance.fill (direct | sequential). By gap size,
// how well the variance tells where the mean is wrong (Pearson with |mean - truth|, AUROC for "mean >= 0.5
// disagrees with the truth"), beside the free boundary blend p(1-p); with CALIBRATION.png, a calibration curve:
// gap voxels binned by variance, the observed share of wrong voxels per bin.
//   bench_interpolation DATASET.h5 INTERPOLATOR.pt [T=10] [ddim_steps=50] [threads=1] [fill=direct]
//       [CALIBRATION.png]
// BENCH_TIMING=0 in the environment skips the sampler timings (DDPM-1000 alone takes tens of seconds);
// BENCH_SPLIT=validation measures on the validation positives instead of the test positives (choose settings
// there; read the test split once per reported configuration).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "data/gaps.h"
#include "diffusion/gap_filling.h"
#include "diffusion/image_condition.h"
#include "diffusion/interpolator_trainer.h"
#include "imputation/classical.h"
#include "io/dataset_store.h"
#include "metrics/classification.h"
#include "metrics/correlation.h"
#include "report/line_plot.h"
#include "util/seeding.h"
#include "util/torch_runtime.h"
#include "positional_arguments.h"

namespace {

constexpr char kUsage[] =
    "bench_interpolation DATASET.h5 INTERPOLATOR.pt [T=10] [ddim_steps=50] [threads=1] [fill=direct|sequential] "
    "[CALIBRATION.png]";

// Per gap size: the variance and the blend p(1-p) of every gap voxel, its |error| and whether the mean is wrong.
struct VarianceTally {
  std::vector<double> variance, blend, error;
  std::vector<std::uint8_t> wrong;
};

// Calibration points: the gap voxels whose score is exactly 0 (most of them: both boundaries agree there) as
// one point at x = 0, then the others in `bins` bins of equal count (quantiles of the nonzero scores); per
// point, the mean score and the share of voxels wrong. Equal-count bins over all voxels put nearly every bin at 0.
due::PlotSeries calibration_series(const VarianceTally& all, std::size_t bins, const std::string& label) {
  std::vector<std::size_t> nonzero;
  double zero_wrong = 0, zeros = 0;
  for (std::size_t i = 0; i < all.variance.size(); ++i) {
    if (all.variance[i] > 0) nonzero.push_back(i);
    else zeros += 1, zero_wrong += all.wrong[i];
  }
  std::sort(nonzero.begin(), nonzero.end(), [&](std::size_t a, std::size_t b) { return all.variance[a] < all.variance[b]; });
  due::PlotSeries series;
  series.label = label;
  if (zeros > 0) {
    series.x.push_back(0.0);
    series.y.push_back(zero_wrong / zeros);
  }
  for (std::size_t b = 0; b < bins; ++b) {
    const std::size_t from = nonzero.size() * b / bins, to = nonzero.size() * (b + 1) / bins;
    if (to <= from) continue;
    double v = 0, w = 0;
    for (std::size_t i = from; i < to; ++i) v += all.variance[nonzero[i]], w += all.wrong[nonzero[i]];
    series.x.push_back(v / double(to - from));
    series.y.push_back(w / double(to - from));
  }
  return series;
}

struct Tally {
  double intersection = 0, predicted = 0, truth = 0, abs_error = 0, voxels = 0;
  std::size_t gaps = 0;
  void add(float prediction, float target) {
    const bool p = prediction > 0.5f, t = target > 0.5f;
    intersection += p && t, predicted += p, truth += t;
    abs_error += std::abs(prediction - target), voxels += 1;
  }
  double dice() const { return predicted + truth > 0 ? 2 * intersection / (predicted + truth) : 1.0; }
  double error() const { return voxels > 0 ? abs_error / voxels : 0.0; }
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s\n", kUsage);
    return 2;
  }
  const std::size_t repeats = due::bench::positive_count(argc, argv, 3, 10, kUsage);
  const std::size_t ddim_steps = due::bench::positive_count(argc, argv, 4, 50, kUsage);
  due::configure_threads(static_cast<int>(due::bench::positive_count(argc, argv, 5, 1, kUsage)));
  try {
    const due::GapFill fill = argc > 6 ? due::parse_gap_fill(argv[6]) : due::GapFill::Direct;
    const torch::Device cpu(torch::kCPU);
    due::LoadedInterpolator interpolator = due::load_interpolator(argv[2], cpu);
    const due::NoiseSchedule schedule(interpolator.architecture.schedule);
    const due::DatasetReader dataset(argv[1]);
    const due::VolumeShape shape = dataset.layout().shape;
    const std::size_t area = shape.height * shape.width;
    const auto labels = dataset.labels();
    std::vector<due::DatasetSample> samples;
    const char* split_setting = std::getenv("BENCH_SPLIT");
    const std::string split_name = split_setting ? split_setting : "test";
    if (split_name != "test" && split_name != "validation") {
      std::fprintf(stderr, "bench_interpolation: BENCH_SPLIT must be test or validation, got '%s'\n", split_setting);
      return 2;
    }
    const std::uint8_t split = split_name == "test" ? due::kTest : due::kValidation;
    for (std::size_t i : dataset.indices_of_split(split))
      if (labels[i] == 1) samples.push_back(dataset.read(i));
    std::printf("%s positives: %zu\n", split_name.c_str(), samples.size());
    std::vector<due::FillingJob> jobs;
    for (std::size_t k = 0; k < samples.size(); ++k) {
      jobs.push_back({std::vector<float>(samples[k].mask.begin(), samples[k].mask.end()), samples[k].annotated_slices,
                      due::derive_seed(1, 0xBE, k)});
      if (due::takes_image(interpolator.architecture.unet)) jobs.back().image = samples[k].image;
    }
    due::FillingOptions options;
    options.repeats = repeats;
    options.batch_size = 16;
    options.sampler.steps = std::min(ddim_steps, schedule.steps());
    options.fill = fill;
    const auto start = std::chrono::steady_clock::now();
    const auto filled = due::fill_gaps(*interpolator.model, interpolator.architecture.prediction, schedule, shape,
                                       jobs, options, cpu);
    const double fill_seconds = seconds_since(start);

    // by method, then by missing slices in the gap
    std::map<std::string, std::map<std::size_t, Tally>> tallies;
    std::map<std::size_t, VarianceTally> variance_by_gap;
    for (std::size_t k = 0; k < samples.size(); ++k) {
      const auto& s = samples[k];
      const std::vector<float> truth(s.mask.begin(), s.mask.end());
      const auto linear = due::interpolate_linear(truth, shape, s.annotated_slices);
      const auto shaped = due::interpolate_shape(truth, shape, s.annotated_slices, {s.spacing[0], s.spacing[1], s.spacing[2]});
      const auto blend = due::boundary_blend_variance(truth, shape, s.annotated_slices);
      for (const due::Gap& gap : due::find_gaps(s.annotated_slices)) {
        const std::size_t g = gap.missing();
        for (const char* m : {"diffusion", "linear", "shape"}) ++tallies[m][g].gaps;
        for (std::size_t i = (gap.before + 1) * area; i < gap.after * area; ++i) {
          tallies["diffusion"][g].add(filled[k].mean[i], truth[i]);
          tallies["linear"][g].add(linear[i], truth[i]);
          tallies["shape"][g].add(shaped[i], truth[i]);
          VarianceTally& v = variance_by_gap[g];
          v.variance.push_back(filled[k].variance[i]);
          v.blend.push_back(blend[i]);
          v.error.push_back(std::abs(filled[k].mean[i] - truth[i]));
          v.wrong.push_back((filled[k].mean[i] >= 0.5f) != (truth[i] > 0.5f));
        }
      }
    }
    std::printf("bench_interpolation: %zu test positives of %s (%zux%zux%zu), model %s (width %lld, schedule %zu)\n",
                samples.size(), argv[1], shape.depth, shape.height, shape.width, argv[2],
                static_cast<long long>(interpolator.architecture.unet.width), schedule.steps());
    std::size_t sampled_gaps = 0;
    for (const due::FillingJob& job : jobs)
      for (const due::Gap& gap : due::find_gaps(job.annotated_slices)) {
        due::FillingJob one = job;
        std::fill(one.annotated_slices.begin(), one.annotated_slices.end(), 0);
        one.annotated_slices[gap.before] = one.annotated_slices[gap.after] = 1;
        sampled_gaps += due::slices_to_sample(shape, {one}, options) > 0;
      }
    std::printf("diffusion: fill %s, T = %zu, DDIM %zu steps, eta 0: %.1f s for all gaps (%.2f s per sampled gap, %zu)\n\n",
                due::gap_fill_name(fill), repeats, options.sampler.steps, fill_seconds,
                fill_seconds / double(std::max<std::size_t>(sampled_gaps, 1)), sampled_gaps);
    std::printf("| missing slices | gaps | Dice diffusion | Dice linear | Dice shape | error diffusion | error linear | error shape |\n");
    std::printf("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    std::map<std::string, Tally> overall;
    for (const auto& [g, d] : tallies["diffusion"]) {
      const Tally& l = tallies["linear"][g];
      const Tally& sh = tallies["shape"][g];
      std::printf("| %zu | %zu | %.3f | %.3f | %.3f | %.4f | %.4f | %.4f |\n", g, d.gaps, d.dice(), l.dice(), sh.dice(),
                  d.error(), l.error(), sh.error());
      for (const char* m : {"diffusion", "linear", "shape"}) {
        const Tally& t = tallies[m][g];
        Tally& o = overall[m];
        o.intersection += t.intersection, o.predicted += t.predicted, o.truth += t.truth;
        o.abs_error += t.abs_error, o.voxels += t.voxels, o.gaps += t.gaps;
      }
    }
    std::printf("| all | %zu | %.3f | %.3f | %.3f | %.4f | %.4f | %.4f |\n\n", overall["diffusion"].gaps,
                overall["diffusion"].dice(), overall["linear"].dice(), overall["shape"].dice(),
                overall["diffusion"].error(), overall["linear"].error(), overall["shape"].error());
    // Does the variance say where the mean is wrong? A measure is "-" where it is undefined (no wrong voxel, or a
    // constant variance).
    const auto text = [](double value) {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, std::isfinite(value) ? "%.3f" : "-", value);
      return std::string(buffer);
    };
    const auto auroc = [](const std::vector<double>& score, const std::vector<std::uint8_t>& wrong) -> double {
      const auto positives = std::count(wrong.begin(), wrong.end(), 1);
      if (positives == 0 || positives == static_cast<std::ptrdiff_t>(wrong.size())) return NAN;
      return due::roc_auc(score, wrong);
    };
    const auto pearson = [](const std::vector<double>& x, const std::vector<double>& y) -> double {
      const auto [low, high] = std::minmax_element(x.begin(), x.end());
      return x.size() < 2 || *low == *high ? NAN : due::pearson_correlation(x, y);
    };
    std::printf("| missing slices | gap voxels | wrong | Pearson variance vs error | AUROC variance | AUROC blend p(1-p) |\n");
    std::printf("| --- | --- | --- | --- | --- | --- |\n");
    VarianceTally all;
    for (const auto& [g, v] : variance_by_gap) {
      std::printf("| %zu | %zu | %zu | %s | %s | %s |\n", g, v.variance.size(),
                  static_cast<std::size_t>(std::count(v.wrong.begin(), v.wrong.end(), 1)),
                  text(pearson(v.variance, v.error)).c_str(), text(auroc(v.variance, v.wrong)).c_str(),
                  text(auroc(v.blend, v.wrong)).c_str());
      all.variance.insert(all.variance.end(), v.variance.begin(), v.variance.end());
      all.blend.insert(all.blend.end(), v.blend.begin(), v.blend.end());
      all.error.insert(all.error.end(), v.error.begin(), v.error.end());
      all.wrong.insert(all.wrong.end(), v.wrong.begin(), v.wrong.end());
    }
    std::printf("| all | %zu | %zu | %s | %s | %s |\n\n", all.variance.size(),
                static_cast<std::size_t>(std::count(all.wrong.begin(), all.wrong.end(), 1)),
                text(pearson(all.variance, all.error)).c_str(), text(auroc(all.variance, all.wrong)).c_str(),
                text(auroc(all.blend, all.wrong)).c_str());
    std::printf("Pearson correlation of diffusion variance with |mean - truth| over %zu gap voxels: %s\n\n",
                all.variance.size(), text(pearson(all.variance, all.error)).c_str());
    if (argc > 7 && !all.variance.empty()) {
      // Both panels bin the same way, so the one legend describes both.
      const std::string binning = "0, then deciles of the rest";
      due::PlotPanel diffusion{"Diffusion variance (T = " + std::to_string(repeats) + ")", "variance",
                               "share of voxels wrong", {calibration_series(all, 10, binning)}};
      VarianceTally by_blend{all.blend, all.variance, all.error, all.wrong};
      due::PlotPanel free{"Boundary blend p(1-p)", "p(1-p)", "share of voxels wrong",
                          {calibration_series(by_blend, 10, binning)}};
      due::write_line_plots_png(argv[7], {diffusion, free});
      std::printf("calibration curve (voxels of score 0, then 10 equal-count bins of the nonzero scores: mean score "
                  "vs share wrong): %s\n\n", argv[7]);
    }

    // Sampling cost: the first test gap with foreground on a boundary, alone, T = 1.
    const char* timing_setting = std::getenv("BENCH_TIMING");
    const bool time_samplers = !timing_setting || std::string(timing_setting) != "0";
    for (std::size_t k = 0; time_samplers && k < samples.size(); ++k) {
      for (const due::Gap& gap : due::find_gaps(samples[k].annotated_slices)) {
        due::FillingJob one = jobs[k];
        std::fill(one.annotated_slices.begin(), one.annotated_slices.end(), 0);
        one.annotated_slices[gap.before] = one.annotated_slices[gap.after] = 1;
        due::FillingOptions timing = options;
        timing.repeats = 1;
        if (due::slices_to_sample(shape, {one}, timing) == 0) continue;
        std::printf("| sampler (one gap of %zu slices, T = 1) | seconds per gap | ms per slice and step |\n| --- | --- | --- |\n",
                    gap.missing());
        for (auto [kind, steps] : {std::pair{due::SamplerKind::Ddpm, schedule.steps()},
                                   std::pair{due::SamplerKind::Ddim, std::size_t{50}},
                                   std::pair{due::SamplerKind::Ddim, std::size_t{10}}}) {
          timing.sampler.kind = kind;
          timing.sampler.steps = std::min(steps, schedule.steps());
          const auto t0 = std::chrono::steady_clock::now();
          due::fill_gaps(*interpolator.model, interpolator.architecture.prediction, schedule, shape, {one},
                          timing, cpu);
          const double seconds = seconds_since(t0);
          std::printf("| %s-%zu | %.2f | %.2f |\n", due::sampler_name(kind), timing.sampler.steps, seconds,
                      1000.0 * seconds / double(gap.missing() * timing.sampler.steps));
        }
        return 0;
      }
    }
    std::printf("no test gap with foreground to time\n");
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_interpolation: %s\n", e.what());
    return 2;
  }
}
