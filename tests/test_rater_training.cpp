// due-train-classifier --raters on tiny phantoms (docs/raters.md): every choice trains through the real trainer,
// consensus on clean raters reproduces the /mask run, random is reproducible under a seed, MAGI's weights stay on
// the simplex, are logged and saved, and --resume reaches what a straight run reaches.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <H5Cpp.h>
#include <torch/torch.h>

#include "classifier/methods.h"
#include "classifier/model_file.h"
#include "classifier/rater_terms.h"
#include "data/sparse_slices.h"
#include "imputation/classical.h"
#include "io/stage_files.h"
#include "losses/explanation_losses.h"
#include "io/dataset_store.h"
#include "io/provenance.h"
#include "models/magi.h"
#include "nn/checkpoint.h"
#include "support.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

const char* const kTinyClassifier =
    " --threads 1 --seed 3 --set classifier.width=2 --set classifier.batch_size=4"
    " --set classifier.raters.magi.width=2 --set classifier.raters.magi.latent_channels=2"
    " --set classifier.raters.magi.embedding_dim=2";
const due::MagiOptions kTinyMagi{4, 2, 2, 2};

// dataset.h5 of 8 x 16 x 16 phantoms with four raters; `noisy`: the MAGI noise protocol on (its default steps).
std::string make_phantoms(const due::test::ScratchDir& dir, bool noisy) {
  return due::test::small_phantom_dataset(dir, noisy ? "noisy.h5" : "clean.h5",
                                         noisy ? " --set preprocess.rater_noise.enabled=true" : "");
}

std::string train(const std::string& data, const std::string& method, const std::string& raters, const std::string& out,
                  const std::string& extra = "") {
  return tool_path("train-classifier") + kTinyClassifier + " --data " + data + " --method " + method +
         " --raters " + raters + " --out " + out + " " + extra;
}

// The CSV log as columns by name (header row) of numbers.
std::map<std::string, std::vector<double>> read_log(const std::string& path) {
  std::istringstream in(due::test::read_text(path));
  std::string line, cell;
  std::getline(in, line);
  std::vector<std::string> names;
  std::istringstream header(line);
  while (std::getline(header, cell, ',')) names.push_back(cell);
  std::map<std::string, std::vector<double>> columns;
  while (std::getline(in, line)) {
    std::istringstream row(line);
    for (std::size_t c = 0; std::getline(row, cell, ','); ++c) columns[names.at(c)].push_back(std::stod(cell));
  }
  return columns;
}

template <class Module>
void check_same_parameters(Module& first, Module& second) {
  auto second_parameters = second->named_parameters();
  for (const auto& item : first->named_parameters()) {
    INFO(item.key());
    CHECK(torch::equal(item.value(), second_parameters[item.key()]));
  }
}

due::ResNet18 load_network(const std::string& path, int dims) {
  due::ResNet18 model(due::ResNetConfig{dims, 2, 1, 2});
  due::CheckpointReader(path, due::kClassifierKind).load_module("model", *model);
  return model;
}

// The MAGI model inside a checkpoint's objective, rebuilt the way the trainer builds it.
due::MagiModel checkpoint_magi(const std::string& path) {
  due::RaterSettings settings;
  settings.choice = "magi";
  settings.magi = kTinyMagi;
  due::ClassifierObjective objective(due::with_rater_choice({}, "baseline", 3, settings, 4, 3));
  due::CheckpointReader(path, due::kClassifierCheckpointKind).load_module("objective", objective);
  return *due::magi_model_of(objective.terms());
}

due::MagiModel load_magi(const std::string& path, const char* kind, const char* name) {
  due::MagiModel magi(kTinyMagi);
  due::CheckpointReader(path, kind).load_module(name, *magi);
  return magi;
}

}  // namespace

TEST_CASE("rater training: consensus of clean raters gives the same run as the /mask annotation", "[rater-training]") {
  // /mask is the consensus of the clean raters at level 0.5 and the targets are carried from the same annotated
  // slices, so --raters consensus must feed gradia the very same target as --raters none.
  due::test::ScratchDir dir;
  const std::string data = make_phantoms(dir, false);
  REQUIRE(run_command(train(data, "gradia", "none", dir.file("none.pt"), "--epochs 2")).exit_code == 0);
  const auto consensus = run_command(train(data, "gradia", "consensus", dir.file("consensus.pt"), "--epochs 2"));
  INFO(consensus.output);
  REQUIRE(consensus.exit_code == 0);
  auto a = load_network(dir.file("none.pt"), 2);
  auto b = load_network(dir.file("consensus.pt"), 2);
  check_same_parameters(a, b);
  const auto none_log = read_log(dir.file("none.pt.log.csv")), consensus_log = read_log(dir.file("consensus.pt.log.csv"));
  CHECK(none_log.at("loss_l1") == consensus_log.at("loss_l1"));
  CHECK(none_log.at("loss_l1")[0] > 0);
  // --raters none keeps today's files: no rater key in the architecture, no extra log column.
  CHECK(due::load_classifier(dir.file("none.pt"), torch::kCPU).architecture.raters == "none");
  CHECK(due::load_classifier(dir.file("consensus.pt"), torch::kCPU).architecture.raters == "consensus");
  CHECK_THAT(due::CheckpointReader(dir.file("none.pt"), due::kClassifierKind).get_string("architecture"),
             !Contains("raters"));
  CHECK(none_log.size() == 11);  // epoch, loss_total, loss_prediction, loss_l1, val_loss, 5 validation metrics, seconds
}

TEST_CASE("rater training: every choice trains on noisy phantoms and the rater targets matter", "[rater-training]") {
  due::test::ScratchDir dir;
  const std::string data = make_phantoms(dir, true);
  std::map<std::string, std::vector<double>> l1;
  for (const std::string choice : {"none", "consensus", "random", "mean-loss"}) {
    INFO(choice);
    const auto trained = run_command(train(data, "gradia", choice, dir.file(choice + ".pt"), "--epochs 2"));
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
    l1[choice] = read_log(dir.file(choice + ".pt.log.csv")).at("loss_l1");
    REQUIRE(l1[choice].size() == 2);
    CHECK(l1[choice][0] > 0);
  }
  // With noisy raters each aggregation gives another target than the clean /mask, so another loss.
  CHECK(l1["consensus"] != l1["none"]);
  CHECK(l1["random"] != l1["consensus"]);
  CHECK(l1["mean-loss"] != l1["consensus"]);
  // A term with a learned part (RES-G's threshold) is evaluated once per rater just the same.
  const auto due_mean = run_command(train(data, "res-g", "mean-loss", dir.file("resg.pt"), "--epochs 1"));
  INFO(due_mean.output);
  CHECK(due_mean.exit_code == 0);

  const auto magi = run_command(train(data, "baseline", "magi", dir.file("magi.pt"), "--epochs 2"));
  INFO(magi.output);
  REQUIRE(magi.exit_code == 0);
  const auto log = read_log(dir.file("magi.pt.log.csv"));
  for (int epoch = 0; epoch < 2; ++epoch) {
    double sum = 0;
    for (int u = 0; u < 4; ++u) {
      const double w = log.at("magi_weight_" + std::to_string(u))[epoch];
      CHECK(w > 0);
      CHECK(w < 1);
      sum += w;
    }
    CHECK(sum == Approx(1.0).epsilon(1e-5));
    CHECK(log.at("magi_generation")[epoch] > 0);
    CHECK(log.at("magi_explanation")[epoch] > 0);
    CHECK(log.at("loss_magi")[epoch] == Approx(0.1 * log.at("magi_explanation")[epoch] + 0.1 * log.at("magi_generation")[epoch]).epsilon(1e-4));
  }
  // The weights moved away from uniform (they are trained) and the model file holds the MAGI model whose weights
  // the last log row shows.
  CHECK(log.at("magi_weight_0")[1] != 0.25);
  auto saved = load_magi(dir.file("magi.pt"), due::kClassifierKind, "magi");
  const torch::Tensor weights = saved->annotator_weights();
  for (int u = 0; u < 4; ++u) CHECK(weights[u].item<double>() == Approx(log.at("magi_weight_" + std::to_string(u))[1]).epsilon(1e-5));
  CHECK(due::load_classifier(dir.file("magi.pt"), torch::kCPU).architecture.raters == "magi");
  // ... and due-explain reads the model file as any other.
  const auto explained = run_command(tool_path("explain") + " --threads 1 --data " + data + " --model " +
                                     dir.file("magi.pt") + " --out " + dir.file("magi-explanations.h5"));
  INFO(explained.output);
  CHECK(explained.exit_code == 0);
}

TEST_CASE("rater training: random draws are reproducible under a seed", "[rater-training]") {
  due::test::ScratchDir dir;
  const std::string data = make_phantoms(dir, true);
  for (const char* name : {"a.pt", "b.pt"})
    REQUIRE(run_command(train(data, "gradia", "random", dir.file(name), "--epochs 2")).exit_code == 0);
  CHECK(read_log(dir.file("a.pt.log.csv")).at("loss_l1") == read_log(dir.file("b.pt.log.csv")).at("loss_l1"));
  auto a = load_network(dir.file("a.pt"), 2);
  auto b = load_network(dir.file("b.pt"), 2);
  check_same_parameters(a, b);
  // Resuming continues the same draws (their count is in the checkpoint).
  REQUIRE(run_command(train(data, "gradia", "random", dir.file("r.pt"), "--epochs 1")).exit_code == 0);
  REQUIRE(run_command(train(data, "gradia", "random", dir.file("r.pt"), "--epochs 2 --resume")).exit_code == 0);
  CHECK(read_log(dir.file("r.pt.log.csv")).at("loss_l1") == read_log(dir.file("a.pt.log.csv")).at("loss_l1"));
}

TEST_CASE("rater training: --resume with magi reaches the weights of a straight run", "[rater-training]") {
  due::test::ScratchDir dir;
  const std::string data = make_phantoms(dir, true);
  REQUIRE(run_command(train(data, "baseline", "magi", dir.file("straight.pt"), "--epochs 3")).exit_code == 0);
  REQUIRE(run_command(train(data, "baseline", "magi", dir.file("resumed.pt"), "--epochs 1")).exit_code == 0);
  const auto resumed = run_command(train(data, "baseline", "magi", dir.file("resumed.pt"), "--epochs 3 --resume"));
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Contains("after epoch 1"));
  const auto straight_log = read_log(dir.file("straight.pt.log.csv")), resumed_log = read_log(dir.file("resumed.pt.log.csv"));
  for (const char* column : {"loss_total", "loss_magi", "magi_weight_0", "magi_weight_3"})
    CHECK(straight_log.at(column) == resumed_log.at(column));
  auto straight = checkpoint_magi(dir.file("straight.pt.checkpoint"));
  auto again = checkpoint_magi(dir.file("resumed.pt.checkpoint"));
  check_same_parameters(straight, again);
  auto straight_file = load_magi(dir.file("straight.pt"), due::kClassifierKind, "magi");
  auto resumed_file = load_magi(dir.file("resumed.pt"), due::kClassifierKind, "magi");
  check_same_parameters(straight_file, resumed_file);
  // A checkpoint of another rater choice is refused.
  const auto other = run_command(train(data, "baseline", "none", dir.file("resumed.pt"), "--epochs 4 --resume"));
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.output, Contains("another architecture or method"));
}

TEST_CASE("rater training: bad rater choices exit 2 with one line", "[rater-training]") {
  due::test::ScratchDir dir;
  const std::string data = make_phantoms(dir, true);
  auto one_line_error = [](const due::test::CommandResult& r, const std::string& text) {
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains(text));
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  };
  one_line_error(run_command(train(data, "baseline", "vote", dir.file("x.pt"))), "classifier.raters.choice");
  one_line_error(run_command(train(data, "baseline", "consensus", dir.file("x.pt"))), "has no term that reads it");
  one_line_error(run_command(train(data, "gradia", "magi", dir.file("x.pt"))), "needs a 3D method");
  one_line_error(run_command(train(data, "baseline", "magi", dir.file("x.pt"), "--set classifier.raters.magi.annotators=2")),
                 "at least the dataset's rater slots");

  // A dataset.h5 without /raters (an HDF5 dataset cannot have 0 rater slots, so the arrays are removed): the
  // file is refused, in one line naming the array.
  std::filesystem::copy_file(data, dir.file("no-raters.h5"));
  {
    H5::Exception::dontPrint();
    H5::H5File file(dir.file("no-raters.h5"), H5F_ACC_RDWR);
    file.unlink("raters");
    file.unlink("rater_present");
  }
  one_line_error(run_command(train(dir.file("no-raters.h5"), "gradia", "mean-loss", dir.file("x.pt"))), "/raters");
  CHECK(!std::filesystem::exists(dir.file("x.pt")));
}

TEST_CASE("rater training: with per-rater imputation, DUE's I and W are the rater's own", "[rater-training]") {
  // Two positives, three rater slots of 2 x 3 x 3 volumes. The batch holds only per-rater targets: a term that
  // read /mask's I or W instead would not find them.
  torch::manual_seed(11);
  const std::int64_t P = 2, R = 3;
  const torch::Tensor cam = torch::rand({P, 2, 3, 3}, torch::kFloat64);
  due::TargetMap targets{{"raters", (torch::rand({P, R, 2, 3, 3}, torch::kFloat64) > 0.5).to(torch::kFloat64)},
                         {"rater_imputed", torch::rand({P, R, 2, 3, 3}, torch::kFloat64)},
                         {"rater_weight", torch::rand({P, R, 2, 3, 3}, torch::kFloat64)}};
  due::StepView step;
  step.cam = cam;
  step.targets = &targets;
  const due::MethodSpec& due_method = due::find_method("due");
  auto expected_for = [&](std::int64_t p, std::int64_t r) {
    auto at = [&](const char* name) { return targets.at(name).narrow(0, p, 1).select(1, r); };
    return due::due_loss(cam.narrow(0, p, 1), at("raters"), at("rater_imputed"), at("rater_weight"))[0].item<double>();
  };
  auto terms_for = [&](const char* choice) {
    due::RaterSettings settings;
    settings.choice = choice;
    settings.per_rater_annotations = true;
    return due::with_rater_choice(due_method.make_terms({}), "due", 3, settings, R, 5);
  };

  SECTION("mean-loss averages each available rater's DUE loss with its own I and W") {
    targets["rater_present"] = torch::tensor({1., 0., 1., 0., 1., 1.}, torch::kFloat64).view({P, R});
    auto terms = terms_for("mean-loss");
    const std::vector<std::string> names = terms[0].term->targets();
    CHECK(std::set<std::string>(names.begin(), names.end()) ==
          std::set<std::string>{"raters", "rater_imputed", "rater_weight", "rater_present"});
    const torch::Tensor loss = terms[0].term->per_sample(step);
    CHECK(loss[0].item<double>() == Approx((expected_for(0, 0) + expected_for(0, 2)) / 2).epsilon(1e-12));
    CHECK(loss[1].item<double>() == Approx((expected_for(1, 1) + expected_for(1, 2)) / 2).epsilon(1e-12));
    // The slots differ, so taking another slot's I and W would change the loss.
    CHECK(expected_for(0, 0) != Approx(expected_for(0, 2)));
  }
  SECTION("random takes the drawn rater's mask, I and W together") {
    // One available rater per positive forces the draw: slot 1 for the first, slot 2 for the second.
    targets["rater_present"] = torch::tensor({0., 1., 0., 0., 0., 1.}, torch::kFloat64).view({P, R});
    auto terms = terms_for("random");
    const torch::Tensor loss = terms[0].term->per_sample(step);
    CHECK(loss[0].item<double>() == Approx(expected_for(0, 1)).epsilon(1e-12));
    CHECK(loss[1].item<double>() == Approx(expected_for(1, 2)).epsilon(1e-12));
  }
  SECTION("consensus keeps /mask's imputation: the consensus is what /mask was imputed from") {
    auto terms = terms_for("consensus");
    const std::vector<std::string> names = terms[0].term->targets();
    CHECK(std::set<std::string>(names.begin(), names.end()) ==
          std::set<std::string>{"raters", "imputed", "weight", "rater_present"});
  }
}

TEST_CASE("rater training: due-impute-annotations --per-rater feeds due --raters mean-loss", "[rater-training]") {
  due::test::ScratchDir dir;
  const std::string data = make_phantoms(dir, true);
  const std::string impute = tool_path("impute-annotations") + " --threads 1 --data " + data +
                             " --interpolator linear --uncertainty none";
  const auto per_rater = run_command(impute + " --per-rater --out " + dir.file("per-rater.h5"));
  INFO(per_rater.output);
  REQUIRE(per_rater.exit_code == 0);
  REQUIRE(run_command(impute + " --out " + dir.file("plain.h5")).exit_code == 0);

  // Each rater's imputation is the linear interpolation of its own annotated slices, computed here directly.
  const due::DatasetReader dataset(data);
  const due::AnnotationReader annotations(dir.file("per-rater.h5")), plain(dir.file("plain.h5"));
  const due::VolumeShape shape = dataset.layout().shape;
  REQUIRE(annotations.raters() == 4);
  REQUIRE(annotations.size() > 0);
  bool raters_differ = false;
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const due::DatasetSample sample = dataset.read(i);
    if (sample.label != 1) continue;
    const due::AnnotationRow row = annotations.read(annotations.require(sample.id));
    INFO(sample.id);
    CHECK(row.annotation == plain.read(plain.require(sample.id)).annotation);
    for (std::size_t r = 0; r < 4; ++r) {
      const std::size_t v = shape.voxels();
      const std::vector<std::uint8_t> mask(sample.raters.begin() + r * v, sample.raters.begin() + (r + 1) * v);
      const std::vector<float> expected =
          due::interpolate_linear(due::sparse_annotation(mask, sample.annotated_slices), shape, sample.annotated_slices);
      const std::vector<float> got(row.rater_annotation.begin() + r * v, row.rater_annotation.begin() + (r + 1) * v);
      CHECK(got == expected);
      CHECK(std::vector<float>(row.rater_weight.begin() + r * v, row.rater_weight.begin() + (r + 1) * v) ==
            std::vector<float>(v, 1.f));
      raters_differ = raters_differ || got != row.annotation;
    }
  }
  CHECK(raters_differ);

  const auto own = run_command(train(data, "due", "mean-loss", dir.file("own.pt"),
                                     "--epochs 2 --annotations " + dir.file("per-rater.h5")));
  INFO(own.output);
  REQUIRE(own.exit_code == 0);
  CHECK_THAT(own.output, Contains("each rater's own imputed annotation"));
  const auto shared = run_command(train(data, "due", "mean-loss", dir.file("shared.pt"),
                                        "--epochs 2 --annotations " + dir.file("plain.h5")));
  INFO(shared.output);
  REQUIRE(shared.exit_code == 0);
  CHECK_THAT(shared.output, Contains("has no per-rater imputation"));
  const auto own_loss = read_log(dir.file("own.pt.log.csv")).at("loss_due");
  CHECK(own_loss[0] > 0);
  CHECK(own_loss != read_log(dir.file("shared.pt.log.csv")).at("loss_due"));
  // random works with them too.
  const auto random = run_command(train(data, "due", "random", dir.file("random.pt"),
                                        "--epochs 1 --annotations " + dir.file("per-rater.h5")));
  INFO(random.output);
  CHECK(random.exit_code == 0);
}
