#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "data/gaps.h"
#include "data/sparse_slices.h"
#include "imputation/classical.h"
#include "imputation/uncertainty_weights.h"
#include "io/nifti_io.h"
#include "io/stage_files.h"
#include "models/np_vae.h"
#include "models/np_vae_gaps.h"
#include "nn/checkpoint.h"
#include "module_support.h"
#include "support.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

// Small real inputs for both tools: a phantom dataset.h5 and a variance.h5 whose rows are made here (not by the
// diffusion model): the linear blend of the boundary slices as the mean and p (1 - p) of that blend as the
// variance, the variance of a voxel drawn 0/1 with probability p. Made once and shared by the test cases (each
// tool run costs seconds of library loading); every test case writes its outputs under its own names.
struct Inputs {
  due::test::ScratchDir dir;
  std::string dataset = dir.file("dataset.h5");
  std::string variance = dir.file("variance.h5");
  std::size_t positives = 0, training_positives = 0;

  Inputs() {
    const auto made = run_command(tool_path("preprocess") +
                                  " --seed 3 --threads 1 --set preprocess.block_size=[8,16,16]"
                                  " --set preprocess.phantom.patients=10 --out " + dataset);
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    const due::DatasetReader reader(dataset);
    due::test::write_blend_variance(dataset, variance);
    for (std::size_t i = 0; i < reader.size(); ++i) {
      const due::DatasetSample s = reader.read(i);
      if (s.label != 1) continue;
      ++positives;
      training_positives += s.split == due::kTrain;
    }
    REQUIRE(training_positives >= 1);
  }
};

const std::string kTinyNpVae =
    " --threads 1 --set npvae.channels=4 --set npvae.latent_channels=2 --set npvae.levels=1"
    " --set npvae.batch_size=4 --set npvae.log_every=5 --set npvae.checkpoint_every=5";

const Inputs& shared_inputs() {
  static const Inputs inputs;
  return inputs;
}

// A tiny npvae.pt trained for 5 steps on the shared inputs.
const std::string& shared_npvae() {
  static const std::string path = [] {
    const Inputs& in = shared_inputs();
    const std::string out = in.dir.file("npvae.pt");
    const auto run = run_command(tool_path("train-np-vae") + " --data " + in.dataset + " --variance " + in.variance +
                                 kTinyNpVae + " --set npvae.steps=5 --out " + out);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    return out;
  }();
  return path;
}

// The log without its last column (slices_per_s, a timing that differs between runs).
std::string without_timing(const std::string& log) {
  std::string out;
  std::size_t begin = 0;
  while (begin < log.size()) {
    const std::size_t end = log.find('\n', begin);
    const std::string line = log.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    out += line.substr(0, line.rfind(',')) + "\n";
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return out;
}

std::size_t line_count(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

void check_same_weights(const std::string& a, const std::string& b) {
  due::test::check_same_state(due::load_np_vae(a, torch::kCPU).model, due::load_np_vae(b, torch::kCPU).model, "NP-VAE");
}

}  // namespace

TEST_CASE("due-train-np-vae trains, logs and checkpoints and --resume continues to the same weights", "[npvae-tools]") {
  const Inputs& in = shared_inputs();
  const std::string base = tool_path("train-np-vae") + " --data " + in.dataset + " --variance " + in.variance + kTinyNpVae;
  const std::string straight = in.dir.file("straight.pt");
  const auto run = run_command(base + " --set npvae.steps=10 --out " + straight);
  INFO(run.output);
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("wrote " + straight) && Contains("validation L1"));
  CHECK(std::filesystem::exists(straight + ".checkpoint"));
  const std::string log = due::test::read_text(straight + ".log.csv");
  CHECK(line_count(log) == 3);
  CHECK_THAT(log, Contains("step,loss,reconstruction,kl,validation_l1,slices_per_s\n5,") && Contains("\n10,"));
  due::CheckpointReader model(straight, due::kNpVaeKind);
  CHECK(model.get_int("step") == 10);
  CHECK(model.provenance().tool == "due-train-np-vae");
  CHECK_THAT(model.provenance().config_yaml, Contains("steps: 10"));
  CHECK(due::load_np_vae(straight, torch::kCPU).architecture.channels == 4);

  // Five steps, stop, then resume to ten: the same weights as ten steps at once, and one log.
  const std::string resumed = in.dir.file("resumed.pt");
  REQUIRE(run_command(base + " --set npvae.steps=5 --out " + resumed).exit_code == 0);
  const auto again = run_command(base + " --set npvae.steps=10 --resume --out " + resumed);
  INFO(again.output);
  REQUIRE(again.exit_code == 0);
  CHECK_THAT(again.output, Contains("resuming from") && Contains("at step 5"));
  check_same_weights(straight, resumed);
  const std::string resumed_log = due::test::read_text(resumed + ".log.csv");
  CHECK(line_count(resumed_log) == 3);
  CHECK(without_timing(resumed_log) == without_timing(log));

  // A checkpoint of another architecture is refused on --resume.
  const auto other = run_command(base + " --set npvae.channels=6 --set npvae.steps=10 --resume --out " + resumed);
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.output, Contains("resumed.pt.checkpoint") &&
                               Contains("npvae.channels: 4 when the checkpoint was written, 6 now"));

  // A checkpoint of another run (learning rate, variance file) or one past the run's steps is refused with one
  // line naming it, and nothing is written.
  const std::string checkpoint = due::test::read_text(resumed + ".checkpoint");
  auto refused = [&](const std::string& change, const std::string& named) {
    INFO(change);
    const auto run = run_command(base + " --set npvae.steps=10 --resume --out " + resumed + change);
    INFO(run.output);
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.output, Contains("resumed.pt.checkpoint: ") && Contains(named));
    CHECK(line_count(run.output) == 1);
  };
  refused(" --set npvae.learning_rate=0.002", "npvae.learning_rate: 0.001 when the checkpoint was written, 0.002 now");
  refused(" --set npvae.steps=8", "was written at step 10, past npvae.steps 8");
  const auto when = std::filesystem::last_write_time(in.variance);
  std::filesystem::last_write_time(in.variance, when + std::chrono::seconds(1));
  refused("", "--variance " + in.variance + ": file of ");
  std::filesystem::last_write_time(in.variance, when);
  CHECK(due::test::read_text(resumed + ".checkpoint") == checkpoint);
  CHECK(without_timing(due::test::read_text(resumed + ".log.csv")) == without_timing(log));

  // Same seed, same thread count: the same weights, and the thread count in the model's provenance (results are
  // reproducible for a fixed seed and thread count, docs/architecture.md).
  const std::string two_a = in.dir.file("two-a.pt"), two_b = in.dir.file("two-b.pt");
  const std::string two_threads = base + " --set threads=2 --set npvae.steps=5 --out ";
  REQUIRE(run_command(two_threads + two_a).exit_code == 0);
  REQUIRE(run_command(two_threads + two_b).exit_code == 0);
  check_same_weights(two_a, two_b);
  CHECK(due::CheckpointReader(two_a, due::kNpVaeKind).provenance().threads == 2);
  CHECK(due::CheckpointReader(straight, due::kNpVaeKind).provenance().threads == 1);

  const auto no_variance = run_command(tool_path("train-np-vae") + " --data " + in.dataset + " --out x.pt");
  CHECK(no_variance.exit_code == 2);
  CHECK_THAT(no_variance.output, Contains("--variance"));
}

TEST_CASE("due-impute-annotations: each interpolator and uncertainty, weights, attributes, NIfTI", "[npvae-tools]") {
  const Inputs& in = shared_inputs();
  const std::string& npvae = shared_npvae();
  const std::string impute = tool_path("impute-annotations") + " --threads 1 --data " + in.dataset;
  const due::DatasetReader dataset(in.dataset);
  const due::VolumeShape shape = dataset.layout().shape;
  const due::VarianceReader variance(in.variance);
  const std::vector<std::string> ids = dataset.ids();

  SECTION("shape, blend: the free uncertainty needs no model; voxels where the boundaries disagree weigh less") {
    const std::string out = in.dir.file("blend.h5");
    const auto run = run_command(impute + " --interpolator shape --uncertainty blend --out " + out);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    const due::AnnotationReader annotations(out);
    CHECK(annotations.attribute("uncertainty") == "blend");
    std::size_t compared = 0;
    const std::size_t plane = shape.height * shape.width;
    for (std::size_t r = 0; r < annotations.size(); ++r) {
      const due::AnnotationRow row = annotations.read(r);
      const due::DatasetSample s =
          dataset.read(static_cast<std::size_t>(std::find(ids.begin(), ids.end(), row.id) - ids.begin()));
      for (const due::Gap& gap : due::find_gaps(s.annotated_slices)) {
        if (gap.missing() < 1) continue;
        const std::size_t z = gap.before + 1;
        float agree = 0.f, disagree = 2.f;  // the lowest weight where the boundaries agree / the highest where not
        bool has_both = false, has_disagreement = false;
        for (std::size_t i = 0; i < plane; ++i) {
          const bool a = s.mask[gap.before * plane + i] != 0, b = s.mask[gap.after * plane + i] != 0;
          const float w = row.weight[z * plane + i];
          if (a == b) agree = has_both ? std::min(agree, w) : w, has_both = true;
          else disagree = has_disagreement ? std::max(disagree, w) : w, has_disagreement = true;
        }
        if (!has_both || !has_disagreement) continue;
        // u = 0 where they agree (the highest weight of the min-max range, 1), u > 0 where not
        CHECK(agree == Approx(1.f));
        CHECK(disagree < 1.f);
        ++compared;
      }
    }
    CHECK(compared > 0);
  }
  SECTION("linear, none: Baseline+ weights are all 1") {
    const std::string out = in.dir.file("linear.h5");
    const auto run = run_command(impute + " --interpolator linear --uncertainty none --out " + out);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    const due::AnnotationReader annotations(out);
    CHECK(annotations.size() == in.positives);
    CHECK(annotations.attribute("interpolator") == "linear");
    CHECK(annotations.attribute("uncertainty") == "none");
    CHECK(annotations.attribute("weight_normalisation") == "gap");
    CHECK(annotations.attribute("dataset") == in.dataset);
    CHECK(annotations.provenance().tool == "due-impute-annotations");
    for (std::size_t r = 0; r < annotations.size(); ++r) {
      const due::AnnotationRow row = annotations.read(r);
      const auto id = std::find(ids.begin(), ids.end(), row.id);
      REQUIRE(id != ids.end());
      const due::DatasetSample s = dataset.read(static_cast<std::size_t>(id - ids.begin()));
      CHECK(row.annotated_slices == s.annotated_slices);
      CHECK(row.weight == std::vector<float>(shape.voxels(), 1.f));
      CHECK(row.annotation ==
            due::interpolate_linear(due::sparse_annotation(s.mask, s.annotated_slices), shape, s.annotated_slices));
    }
  }

  SECTION("diffusion, diffusion: the mean and the weights of variance.h5, exported as NIfTI") {
    const std::string out = in.dir.file("diffusion.h5"), nifti = in.dir.file("nifti");
    const auto run = run_command(impute + " --variance " + in.variance + " --interpolator diffusion --uncertainty diffusion"
                                 " --weight-normalisation volume --export-nifti " + nifti + " --out " + out);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    const due::AnnotationReader annotations(out);
    CHECK(annotations.attribute("weight_normalisation") == "volume");
    CHECK(annotations.attribute("variance") == in.variance);
    due::WeightSettings per_volume;
    per_volume.normalisation = due::WeightNormalisation::Volume;
    bool some_below_one = false;
    for (std::size_t r = 0; r < annotations.size(); ++r) {
      const due::AnnotationRow row = annotations.read(r);
      const due::VarianceRow v = variance.read(variance.require(row.id));
      CHECK(row.annotation == v.mean);
      CHECK(row.weight == due::uncertainty_weights(v.variance, shape, v.annotated_slices, per_volume));
      some_below_one |= *std::min_element(row.weight.begin(), row.weight.end()) < 0.5f;
      const due::NiftiVolume weight = due::read_nifti(nifti + "/" + row.id + "_weight.nii.gz");
      CHECK(weight.values == row.weight);
      CHECK(std::filesystem::exists(nifti + "/" + row.id + "_annotation.nii.gz"));
    }
    CHECK(some_below_one);
  }

  SECTION("shape, npvae: weights 1 on annotated slices, in [0, 1] in the gaps") {
    const std::string out = in.dir.file("npvae.h5");
    const auto run = run_command(impute + " --npvae " + npvae + " --interpolator shape --uncertainty npvae --out " + out);
    INFO(run.output);
    REQUIRE(run.exit_code == 0);
    const due::AnnotationReader annotations(out);
    CHECK(annotations.attribute("npvae") == npvae);
    CHECK(annotations.attribute("npvae_latent") == "mean");
    const std::size_t plane = shape.height * shape.width;
    float lowest = 1.f;
    for (std::size_t r = 0; r < annotations.size(); ++r) {
      const due::AnnotationRow row = annotations.read(r);
      for (std::size_t z = 0; z < shape.depth; ++z) {
        for (std::size_t i = z * plane; i < (z + 1) * plane; ++i) {
          if (row.annotated_slices[z]) REQUIRE(row.weight[i] == 1.f);
          REQUIRE(row.weight[i] >= 0.f);
          REQUIRE(row.weight[i] <= 1.f);
          REQUIRE((row.annotation[i] == 0.f || row.annotation[i] == 1.f));
          lowest = std::min(lowest, row.weight[i]);
        }
      }
    }
    CHECK(lowest == 0.f);
    // The weights are the flipped sigmoid of the NP-VAE's own variance, min-max per gap (docs/imputation.md),
    // computed here by hand from the model's prediction for the sample's annotated slices.
    auto model = due::load_np_vae(npvae, torch::kCPU);
    std::size_t gaps_ranked = 0;
    for (std::size_t r = 0; r < annotations.size(); ++r) {
      const due::AnnotationRow row = annotations.read(r);
      const due::DatasetSample s =
          dataset.read(static_cast<std::size_t>(std::find(ids.begin(), ids.end(), row.id) - ids.begin()));
      const std::vector<float> u = due::predict_volume_variance(
          *model.model, due::sparse_annotation(s.mask, s.annotated_slices), shape, s.annotated_slices, torch::kCPU, 3);
      for (const due::Gap& gap : due::find_gaps(s.annotated_slices)) {
        const std::size_t from = (gap.before + 1) * plane, to = gap.after * plane;
        const auto [low, high] = std::minmax_element(u.begin() + from, u.begin() + to);
        const double flipped_low = 1.0 / (1.0 + std::exp(*high)), flipped_high = 1.0 / (1.0 + std::exp(*low));
        for (std::size_t i = from; i < to; ++i) {
          const double expected = *high - *low < 1e-4 ? 1.0
                                  : (1.0 / (1.0 + std::exp(u[i])) - flipped_low) / (flipped_high - flipped_low);
          INFO("sample " << row.id << ", voxel " << i);
          REQUIRE(row.weight[i] == Approx(expected).margin(1e-3));
        }
        gaps_ranked += *high - *low >= 1e-4;
      }
    }
    CHECK(gaps_ranked > 0);
    // Deterministic: a second run writes the same weights.
    const std::string twice = in.dir.file("npvae2.h5");
    REQUIRE(run_command(impute + " --npvae " + npvae + " --interpolator shape --uncertainty npvae --out " + twice).exit_code == 0);
    const due::AnnotationReader second(twice);
    for (std::size_t r = 0; r < annotations.size(); ++r) CHECK(second.read(r).weight == annotations.read(r).weight);
  }

  SECTION("missing or mismatched inputs exit 2 naming what is wrong") {
    const auto no_variance = run_command(impute + " --interpolator diffusion --uncertainty none --out " + in.dir.file("x.h5"));
    CHECK(no_variance.exit_code == 2);
    CHECK_THAT(no_variance.output, Contains("--variance"));
    const auto no_model = run_command(impute + " --interpolator linear --uncertainty npvae --out " + in.dir.file("x.h5"));
    CHECK(no_model.exit_code == 2);
    CHECK_THAT(no_model.output, Contains("--npvae"));
    const auto wrong_kind = run_command(impute + " --npvae " + in.variance + " --interpolator linear --uncertainty npvae --out " +
                                        in.dir.file("x.h5"));
    CHECK(wrong_kind.exit_code == 2);
    CHECK_THAT(wrong_kind.output, Contains("variance.h5"));
    const auto bad_choice = run_command(impute + " --interpolator cubic --uncertainty none --out " + in.dir.file("x.h5"));
    CHECK(bad_choice.exit_code == 2);
    CHECK_THAT(bad_choice.output, Contains("impute.interpolator"));
    CHECK_FALSE(std::filesystem::exists(in.dir.file("x.h5")));
  }
}

TEST_CASE("due-impute-annotations reads only the annotated slices of /mask", "[npvae-tools]") {
  const Inputs& in = shared_inputs();
  // The same dataset with every missing slice of /mask filled with ones: the outputs must not change.
  const std::string scrambled = in.dir.file("scrambled.h5");
  {
    const due::DatasetReader reader(in.dataset);
    due::DatasetWriter writer(scrambled, reader.layout(), reader.provenance(), reader.source_description(), 1);
    const std::size_t plane = reader.layout().shape.height * reader.layout().shape.width;
    for (std::size_t i = 0; i < reader.size(); ++i) {
      due::DatasetSample s = reader.read(i);
      for (std::size_t z = 0; z < reader.layout().shape.depth; ++z)
        if (!s.annotated_slices[z]) std::fill_n(s.mask.begin() + static_cast<std::ptrdiff_t>(z * plane), plane, 1);
      writer.append(s);
    }
    writer.commit();
  }
  // Shape-based interpolation (the ITK distance maps) and the NP-VAE: both must see only the annotated slices.
  const std::string args = " --threads 1 --npvae " + shared_npvae() + " --interpolator shape --uncertainty npvae --out ";
  REQUIRE(run_command(tool_path("impute-annotations") + " --data " + in.dataset + args + in.dir.file("a.h5")).exit_code == 0);
  REQUIRE(run_command(tool_path("impute-annotations") + " --data " + scrambled + args + in.dir.file("b.h5")).exit_code == 0);
  const due::AnnotationReader a(in.dir.file("a.h5")), b(in.dir.file("b.h5"));
  REQUIRE(a.size() == b.size());
  for (std::size_t r = 0; r < a.size(); ++r) {
    CHECK(a.read(r).annotation == b.read(r).annotation);
    CHECK(a.read(r).weight == b.read(r).weight);
  }
}
