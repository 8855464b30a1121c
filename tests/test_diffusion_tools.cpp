#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "diffusion/interpolator_trainer.h"
#include "io/dataset_store.h"
#include "io/stage_files.h"
#include "nn/checkpoint.h"
#include "support.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

// Tiny phantoms and a tiny network: each tool runs in about a second.
const std::string kTinyModel =
    " --threads 1 --set interpolator.model.width=8 --set interpolator.model.channel_mult=[1,2]"
    " --set interpolator.model.res_blocks=1 --set interpolator.model.attention_levels=[1]"
    " --set interpolator.schedule.steps=50 --set interpolator.train.batch_size=4"
    " --set interpolator.train.log_every=2 --set interpolator.train.checkpoint_every=2";

std::string tiny_dataset(const due::test::ScratchDir& dir) {
  const std::string path = dir.file("dataset.h5");
  const auto result = run_command(tool_path("preprocess") +
                                  " --source phantom --set preprocess.block_size=[8,16,16]"
                                  " --set preprocess.phantom.patients=8 --out " + path);
  REQUIRE(result.exit_code == 0);
  return path;
}

std::vector<std::string> log_steps(const std::string& path) {
  std::vector<std::string> steps;
  std::istringstream lines(due::test::read_text(path));
  std::string line;
  std::getline(lines, line);
  CHECK(line == "step,loss,rate");
  while (std::getline(lines, line)) steps.push_back(line.substr(0, line.find(',')));
  return steps;
}

}  // namespace

TEST_CASE("due-train-interpolator: model, checkpoint and log, --resume continues to the same weights",
          "[diffusion][tools]") {
  due::test::ScratchDir dir;
  const std::string data = tiny_dataset(dir);
  const std::string train = tool_path("train-interpolator") + kTinyModel + " --data " + data;

  const auto full = run_command(train + " --steps 6 --out " + dir.file("full.pt"));
  INFO(full.output);
  REQUIRE(full.exit_code == 0);
  CHECK(log_steps(dir.file("full.pt.log.csv")) == std::vector<std::string>{"2", "4", "6"});

  // Stopped after 4 steps, then resumed to 6: the log reads as one run and the weights equal the straight run's.
  REQUIRE(run_command(train + " --steps 4 --out " + dir.file("part.pt")).exit_code == 0);
  const auto resumed = run_command(train + " --steps 6 --resume --out " + dir.file("part.pt"));
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Contains("at step 4"));
  CHECK(log_steps(dir.file("part.pt.log.csv")) == std::vector<std::string>{"2", "4", "6"});
  CHECK(due::CheckpointReader(dir.file("part.pt.checkpoint"), due::kInterpolatorCheckpointKind).get_int("step") == 6);
  const torch::Device cpu(torch::kCPU);
  const auto a = due::load_interpolator(dir.file("full.pt"), cpu), b = due::load_interpolator(dir.file("part.pt"), cpu);
  const auto p = a.model->parameters(), q = b.model->parameters();
  REQUIRE(p.size() == q.size());
  for (std::size_t i = 0; i < p.size(); ++i) CHECK(torch::allclose(p[i], q[i], 1e-5, 1e-6));
  CHECK(due::CheckpointReader(dir.file("full.pt"), due::kInterpolatorKind).provenance().tool == "due-train-interpolator");
  CHECK(due::CheckpointReader(dir.file("full.pt"), due::kInterpolatorKind).provenance().threads == 1);

  // A checkpoint of another run is refused with one line naming what changed, and nothing is written.
  const std::string checkpoint = due::test::read_text(dir.file("part.pt.checkpoint"));
  auto refused = [&](const std::string& change, const std::string& named) {
    INFO(change);
    const auto run = run_command(train + " --steps 6 --resume --out " + dir.file("part.pt") + change);
    INFO(run.output);
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.output, Contains("part.pt.checkpoint: ") && Contains(named));
    CHECK(std::count(run.output.begin(), run.output.end(), '\n') == 1);
  };
  refused(" --set interpolator.train.learning_rate=0.001", "interpolator.train.learning_rate: ");
  refused(" --set seed=7", "seed: 1 when the checkpoint was written, 7 now");
  refused(" --set interpolator.train.steps=4", "was written at step 6, past interpolator.train.steps 4");
  const auto when = std::filesystem::last_write_time(data);
  std::filesystem::last_write_time(data, when + std::chrono::seconds(1));
  refused("", "--data " + data + ": file of ");
  std::filesystem::last_write_time(data, when);
  CHECK(due::test::read_text(dir.file("part.pt.checkpoint")) == checkpoint);

  const auto missing = run_command(tool_path("train-interpolator") + " --data " + dir.file("none.h5") + " --out " +
                                   dir.file("x.pt"));
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, Contains("none.h5"));
}

TEST_CASE("due-sample-variance: one row per positive, annotated slices kept, variance >= 0", "[diffusion][tools]") {
  due::test::ScratchDir dir;
  const std::string data = tiny_dataset(dir);
  REQUIRE(run_command(tool_path("train-interpolator") + kTinyModel + " --steps 2 --data " + data + " --out " +
                      dir.file("i.pt")).exit_code == 0);
  const std::string sample = tool_path("sample-variance") + " --threads 1 --data " + data + " --model " +
                             dir.file("i.pt") + " --samples 3 --sampling-steps 4";
  const auto result = run_command(sample + " --out " + dir.file("variance.h5"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);

  const due::DatasetReader dataset(data);
  const due::VarianceReader variance(dir.file("variance.h5"));
  CHECK(variance.attribute("interpolator") == "diffusion");
  CHECK(variance.attribute("fill") == "direct");
  CHECK(variance.attribute("sampler") == "ddim");
  CHECK(variance.attribute("samples") == "3");
  CHECK(variance.attribute("sampling_steps") == "4");
  CHECK(variance.provenance().tool == "due-sample-variance");
  const auto labels = dataset.labels();
  const std::size_t positives = static_cast<std::size_t>(std::count(labels.begin(), labels.end(), 1));
  REQUIRE(positives > 0);
  CHECK(variance.size() == positives);
  const std::size_t area = 16 * 16;
  bool some_variance = false;
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    if (labels[i] != 1) continue;
    const due::DatasetSample s = dataset.read(i);
    const due::VarianceRow row = variance.read(variance.require(s.id));
    CHECK(row.annotated_slices == s.annotated_slices);
    for (std::size_t z = 0; z < 8; ++z)
      for (std::size_t k = z * area; k < (z + 1) * area; ++k) {
        REQUIRE(row.variance[k] >= 0.f);
        REQUIRE(row.mean[k] >= 0.f);
        REQUIRE(row.mean[k] <= 1.f);
        if (s.annotated_slices[z]) {
          REQUIRE(row.mean[k] == float(s.mask[k]));
          REQUIRE(row.variance[k] == 0.f);
        }
        some_variance = some_variance || row.variance[k] > 0.f;
      }
  }
  CHECK(some_variance);

  // The same seed gives the same file content; a dataset given as the model is refused with exit 2.
  REQUIRE(run_command(sample + " --out " + dir.file("again.h5")).exit_code == 0);
  const due::VarianceReader again(dir.file("again.h5"));
  CHECK(again.read(0).mean == variance.read(0).mean);
  const auto wrong = run_command(tool_path("sample-variance") + " --data " + data + " --model " + data + " --out " +
                                 dir.file("bad.h5"));
  CHECK(wrong.exit_code == 2);
  CHECK_THAT(wrong.output, Contains(data));
}

TEST_CASE("due-impute-annotations --model samples on the fly what due-sample-variance writes", "[diffusion][tools]") {
  due::test::ScratchDir dir;
  const std::string data = tiny_dataset(dir);
  REQUIRE(run_command(tool_path("train-interpolator") + kTinyModel + " --steps 2 --data " + data + " --out " +
                      dir.file("i.pt")).exit_code == 0);
  const std::string sampling = " --threads 1 --seed 5 --set variance.samples=3 --set variance.steps=4";
  REQUIRE(run_command(tool_path("sample-variance") + sampling + " --data " + data + " --model " + dir.file("i.pt") +
                      " --out " + dir.file("variance.h5")).exit_code == 0);
  const std::string impute = tool_path("impute-annotations") + sampling + " --data " + data +
                             " --interpolator diffusion --uncertainty diffusion";
  const auto from_file = run_command(impute + " --variance " + dir.file("variance.h5") + " --out " + dir.file("a.h5"));
  INFO(from_file.output);
  REQUIRE(from_file.exit_code == 0);
  const auto on_the_fly = run_command(impute + " --model " + dir.file("i.pt") + " --out " + dir.file("b.h5"));
  INFO(on_the_fly.output);
  REQUIRE(on_the_fly.exit_code == 0);

  const due::AnnotationReader a(dir.file("a.h5")), b(dir.file("b.h5"));
  REQUIRE(a.size() == b.size());
  REQUIRE(a.size() > 0);
  // Same random streams; due-sample-variance batches 8 volumes per network call and the tool here one, which
  // changes only the floating-point summation order.
  auto max_difference = [](const std::vector<float>& u, const std::vector<float>& v) {
    REQUIRE(u.size() == v.size());
    double worst = 0;
    for (std::size_t k = 0; k < u.size(); ++k) worst = std::max(worst, std::abs(double(u[k]) - double(v[k])));
    return worst;
  };
  bool some_uncertain = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const due::AnnotationRow x = a.read(i), y = b.read(b.require(x.id));
    INFO(x.id);
    CHECK(max_difference(x.annotation, y.annotation) < 1e-5);
    CHECK(max_difference(x.weight, y.weight) < 1e-3);
    some_uncertain = some_uncertain || std::any_of(x.weight.begin(), x.weight.end(), [](float w) { return w < 1.f; });
  }
  CHECK(some_uncertain);
  CHECK(b.attribute("variance_samples") == "3");

  // --per-rater: /annotation and /weight are the run's without it (same draws); each rater slot is imputed from its
  // own annotated slices, which it keeps, with weight 1 there and weights in [0, 1] in the gaps.
  const auto per_rater = run_command(impute + " --model " + dir.file("i.pt") + " --per-rater --out " + dir.file("p.h5"));
  INFO(per_rater.output);
  REQUIRE(per_rater.exit_code == 0);
  const due::AnnotationReader p(dir.file("p.h5"));
  const due::DatasetReader dataset(data);
  const std::vector<std::string> ids = dataset.ids();
  REQUIRE(p.raters() == dataset.layout().raters);
  REQUIRE(p.raters() > 0);
  CHECK(p.attribute("per_rater") == "true");
  const std::size_t voxels = p.shape().voxels(), plane = p.shape().height * p.shape().width;
  bool some_rater_uncertain = false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    const due::AnnotationRow x = p.read(i), y = b.read(b.require(x.id));
    const due::DatasetSample sample = dataset.read(static_cast<std::size_t>(std::find(ids.begin(), ids.end(), x.id) - ids.begin()));
    INFO(x.id);
    CHECK(x.annotation == y.annotation);
    CHECK(x.weight == y.weight);
    CHECK(x.rater_present == sample.rater_present);
    for (std::size_t r = 0; r < p.raters(); ++r) {
      if (!sample.rater_present[r]) continue;
      for (std::size_t z = 0; z < p.shape().depth; ++z) {
        if (!sample.annotated_slices[z]) continue;
        for (std::size_t k = z * plane; k < (z + 1) * plane; ++k) {
          REQUIRE(x.rater_annotation[r * voxels + k] == float(sample.raters[r * voxels + k]));
          REQUIRE(x.rater_weight[r * voxels + k] == 1.f);
        }
      }
      for (std::size_t k = 0; k < voxels; ++k) {
        const float w = x.rater_weight[r * voxels + k];
        REQUIRE(w >= 0.f);
        REQUIRE(w <= 1.f);
        some_rater_uncertain = some_rater_uncertain || w < 1.f;
      }
    }
  }
  CHECK(some_rater_uncertain);
  // variance.h5 holds /mask's imputation only: per-rater diffusion must sample.
  const auto per_rater_file = run_command(impute + " --variance " + dir.file("variance.h5") + " --per-rater --out " +
                                          dir.file("q.h5"));
  CHECK(per_rater_file.exit_code == 2);
  CHECK_THAT(per_rater_file.output, Contains("--model"));

  // Both sources at once, or neither, is a usage error.
  CHECK(run_command(impute + " --variance " + dir.file("variance.h5") + " --model " + dir.file("i.pt") + " --out " +
                    dir.file("c.h5")).exit_code != 0);
  CHECK(run_command(impute + " --out " + dir.file("c.h5")).exit_code != 0);
}
