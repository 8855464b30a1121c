#include <catch2/catch.hpp>

#include <algorithm>

#include "io/stage_files.h"
#include "report/metrics_file.h"
#include "support.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

const due::VolumeShape kShape{2, 2, 2};
const due::DatasetLayout kLayout{kShape, 1};

// Four test samples (two positive) and a training sample; masks chosen for hand-computable overlaps.
void write_dataset(const std::string& path) {
  due::Provenance provenance = due::make_provenance("due-preprocess");
  provenance.config_yaml = "seed: 3\npreprocess:\n  source: phantom\n";
  due::DatasetWriter writer(path, kLayout, provenance, "test phantoms", 1);
  const std::vector<std::vector<std::uint8_t>> masks{
      {1, 1, 0, 0, 0, 0, 0, 0}, {0, 0, 0, 0, 0, 0, 1, 1}, std::vector<std::uint8_t>(8, 0),
      std::vector<std::uint8_t>(8, 0), std::vector<std::uint8_t>(8, 0)};
  const std::vector<std::uint8_t> labels{1, 1, 0, 0, 0}, splits{2, 2, 2, 2, 0};
  for (std::size_t i = 0; i < masks.size(); ++i) {
    due::DatasetSample sample = due::test::make_test_sample(kLayout, i);
    sample.label = labels[i];
    sample.split = splits[i];
    sample.mask = masks[i];
    writer.append(sample);
  }
  writer.commit();
}

// The explanations of the four test samples, in another order than dataset.h5 (rows join by id).
void write_explanations(const std::string& path, const std::string& first_id = "sample-3") {
  due::Provenance provenance = due::make_provenance("due-explain");
  provenance.seed = 99;
  due::ExplanationWriter writer(path, kShape, provenance,
                                {{"method", "due"},
                                 {"split", "test"},
                                 {"score_slice", "0"},
                                 {"classifier_config", "seed: 4\nclassifier:\n  lambda: 2.0\n"}},
                                1);
  // sample-0 (positive): CAM on voxels 0..3 -> at 0.5: TP 2, FP 2: IoU 1/2, precision 1/2, recall 1.
  // sample-1 (positive): CAM 0.4 on voxel 6 and 0.8 on 7 -> at 0.5: TP 1, FN 1: IoU 1/2, precision 1, recall 1/2.
  writer.append({first_id, 0, {0.7f, 0.3f}, 0, std::vector<float>(8, 0.f)});
  writer.append({"sample-0", 1, {0.2f, 0.8f}, 1, {0.9f, 0.9f, 0.9f, 0.9f, 0, 0, 0, 0}});
  writer.append({"sample-1", 1, {0.6f, 0.4f}, 0, {0, 0, 0, 0, 0, 0, 0.4f, 0.8f}});
  writer.append({"sample-2", 0, {0.4f, 0.6f}, 1, std::vector<float>(8, 1.f)});
  writer.commit();
}

}  // namespace

TEST_CASE("due-evaluate: metrics.json and metrics.csv from real dataset and explanation files", "[evaluate]") {
  due::test::ScratchDir dir;
  write_dataset(dir.file("dataset.h5"));
  write_explanations(dir.file("explanations.h5"));
  const auto result = run_command(tool_path("evaluate") + " --data " + dir.file("dataset.h5") + " --explanations " +
                                  dir.file("explanations.h5") + " --tag experiment=unit --tag split=held-out --out " +
                                  dir.file("metrics.json"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  CHECK_THAT(result.output, Contains("wrote " + dir.file("metrics.json")));

  const due::MetricsRecord m = due::read_metrics_file(dir.file("metrics.json"));
  // Scores of class 1: 0.3 (neg), 0.8 (pos), 0.4 (pos), 0.6 (neg): pairs won 0.8>0.3, 0.8>0.6, 0.4>0.3 = 3 of 4.
  CHECK(m.classification.samples == 4);
  CHECK(m.classification.positives == 2);
  CHECK(m.classification.roc_auc == Approx(0.75));
  // Ranked 0.8 (pos), 0.6 (neg), 0.4 (pos), 0.3: AP = 0.5 * 1 + 0.5 * 2/3.
  CHECK(m.classification.average_precision == Approx(0.5 + 1.0 / 3));
  CHECK(m.classification.accuracy == Approx(0.5));  // predicted 0 1 0 1 vs labels 0 1 1 0
  CHECK(m.classification.precision == Approx(0.5));
  CHECK(m.classification.specificity == Approx(0.5));
  CHECK(m.volume.reported.samples == 2);
  CHECK(m.volume.reported.threshold == 0.5);
  CHECK(m.volume.reported.mean.iou == Approx(0.5));
  CHECK(m.volume.reported.mean.precision == Approx(0.75));
  CHECK(m.volume.reported.mean.recall == Approx(0.75));
  CHECK(m.volume.reported.mean.f1 == Approx((2.0 / 3 + 2.0 / 3) / 2));
  REQUIRE(m.volume.sweep.size() == 10);
  CHECK(m.volume.sweep[3].threshold == Approx(0.3));
  // At 0.3 sample-1's voxel 6 (0.4) counts too: IoU 1; sample-0 still 1/2.
  CHECK(m.volume.sweep[3].mean.iou == Approx(0.75));
  CHECK(m.volume.sweep[9].mean.iou == Approx(0.0));  // nothing exceeds 0.9
  REQUIRE(m.volume.per_sample.size() == 2);
  CHECK(m.volume.per_sample[0].id == "sample-0");
  CHECK(m.volume.per_sample[1].scores.recall == Approx(0.5));
  // On slice 0 (voxels 0..3): sample-0 TP 2, FP 2 -> IoU 1/2; sample-1 has nothing there -> 0 (and is counted).
  CHECK(m.scored_slice == 0);
  CHECK(m.slice.reported.mean.iou == Approx(0.25));
  CHECK(m.slice.empty_references == 1);
  CHECK(m.volume.empty_references == 0);
  REQUIRE(m.slice.sweep.size() == 10);

  // Tags from the files (method from explanations.h5, seed and lambda from the classifier's config, dataset from
  // dataset.h5's config, training size counted), and the --tag overrides.
  CHECK(m.tag("method") == "due");
  CHECK(m.tag("seed") == "4");
  CHECK(m.tag("dataset") == "phantom");
  CHECK(m.tag("train_size") == "1");
  CHECK(m.tag("lambda") == "2.0");
  CHECK(m.tag("experiment") == "unit");
  CHECK(m.tag("split") == "held-out");  // explanations.h5 says test; --tag wins
  CHECK(m.provenance.tool == "due-evaluate");
  CHECK_THAT(m.provenance.config_yaml, Contains("thresholds:"));

  const std::string csv = due::test::read_text(dir.file("metrics.csv"));
  const std::string header = csv.substr(0, csv.find('\n'));
  const std::string row = csv.substr(csv.find('\n') + 1);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 2);
  CHECK(header.rfind("experiment,dataset,method,seed,train_size,lambda,interpolator,uncertainty,split,", 0) == 0);
  CHECK(row.rfind("unit,phantom,due,4,1,2.0,,,held-out,4,2,0.5,0.75,", 0) == 0);
  CHECK_THAT(header, Contains("iou_volume@0.3") && Contains("f1_slice@0.9") && Contains("git_hash"));
  CHECK(std::count(header.begin(), header.end(), ',') == std::count(row.begin(), row.end(), ','));
  CHECK(dir.entries() ==
        std::vector<std::string>{"dataset.h5", "explanations.h5", "metrics.csv", "metrics.json", "predictions.csv"});
}

TEST_CASE("due-evaluate: files that do not belong together exit 2 with one line", "[evaluate]") {
  due::test::ScratchDir dir;
  write_dataset(dir.file("dataset.h5"));
  write_explanations(dir.file("stranger.h5"), "sample-9");
  const std::string evaluate = tool_path("evaluate") + " --data " + dir.file("dataset.h5") + " --out " +
                               dir.file("metrics.json") + " --explanations ";
  const auto missing = run_command(evaluate + dir.file("stranger.h5"));
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, Contains("stranger.h5") && Contains("'sample-9'") && Contains("not in"));
  CHECK(std::count(missing.output.begin(), missing.output.end(), '\n') == 1);

  const auto wrong_kind = run_command(evaluate + dir.file("dataset.h5"));
  CHECK(wrong_kind.exit_code == 2);
  CHECK_THAT(wrong_kind.output, Contains("dataset.h5"));

  write_explanations(dir.file("explanations.h5"));
  const auto bad_tag = run_command(evaluate + dir.file("explanations.h5") + " --tag Method");
  CHECK(bad_tag.exit_code == 2);
  CHECK_THAT(bad_tag.output, Contains("--tag 'Method'"));
  const auto bad_threshold = run_command(evaluate + dir.file("explanations.h5") + " --set evaluate.threshold=1.5");
  CHECK(bad_threshold.exit_code == 2);
  CHECK_THAT(bad_threshold.output, Contains("evaluate.threshold"));
  CHECK(dir.entries() == std::vector<std::string>{"dataset.h5", "explanations.h5", "stranger.h5"});
}
