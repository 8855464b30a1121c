// due-train-classifier and due-explain end to end on a tiny phantom dataset, with an annotations.h5 made here by
// linear interpolation of the human slices (what due-impute-annotations --interpolator linear writes).
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include <torch/torch.h>

#include "classifier/model_file.h"
#include "imputation/classical.h"
#include "io/dataset_store.h"
#include "io/nifti_io.h"
#include "io/png_writer.h"
#include "io/stage_files.h"
#include "models/resnet.h"
#include "nn/checkpoint.h"
#include "support.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

const char* const kTinyClassifier =
    " --threads 1 --seed 3 --set classifier.width=2 --set classifier.batch_size=4";

std::size_t line_count(const std::string& text) {
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

// dataset.h5 (8 x 16 x 16 phantoms) and annotations.h5 for its positives.
void make_tiny_inputs(const due::test::ScratchDir& dir) {
  due::test::small_phantom_dataset(dir);
  const due::DatasetReader dataset(dir.file("dataset.h5"));
  const due::VolumeShape shape = dataset.layout().shape;
  due::AnnotationWriter writer(dir.file("annotations.h5"), shape, due::make_provenance("test"),
                               {{"interpolator", "linear"}, {"uncertainty", "none"}}, 1);
  const std::size_t plane = shape.height * shape.width;
  for (std::size_t i = 0; i < dataset.size(); ++i) {
    const due::DatasetSample s = dataset.read(i);
    if (s.label != 1) continue;
    std::vector<float> sparse(shape.voxels(), 0.f);
    due::AnnotationRow row;
    row.id = s.id;
    row.annotated_slices = s.annotated_slices;
    row.weight.assign(shape.voxels(), 0.5f);
    for (std::size_t z = 0; z < shape.depth; ++z) {
      if (!s.annotated_slices[z]) continue;
      for (std::size_t v = z * plane; v < (z + 1) * plane; ++v) {
        sparse[v] = s.mask[v];
        row.weight[v] = 1.f;
      }
    }
    row.annotation = due::interpolate_linear(sparse, shape, s.annotated_slices);
    writer.append(row);
  }
  writer.commit();
}

std::string train_command(const due::test::ScratchDir& dir, const std::string& method, const std::string& out) {
  return tool_path("train-classifier") + kTinyClassifier + " --data " + dir.file("dataset.h5") +
         " --annotations " + dir.file("annotations.h5") + " --method " + method + " --out " + dir.file(out);
}

// The CSV log without its last column (seconds), which differs from run to run.
std::string log_without_time(const std::string& path) {
  std::istringstream in(due::test::read_text(path));
  std::string line, out;
  while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

void check_same_module(const std::string& a, const std::string& b, const char* kind, const char* name,
                       const due::ResNetConfig& config) {
  due::ResNet18 first(config), second(config);
  due::CheckpointReader(a, kind).load_module(name, *first);
  due::CheckpointReader(b, kind).load_module(name, *second);
  auto second_parameters = second->named_parameters();
  for (const auto& item : first->named_parameters()) {
    INFO(item.key());
    CHECK(torch::equal(item.value(), second_parameters[item.key()]));
  }
  auto second_buffers = second->named_buffers();
  for (const auto& item : first->named_buffers()) {
    INFO(item.key());
    CHECK(torch::equal(item.value(), second_buffers[item.key()]));
  }
}

}  // namespace

TEST_CASE("classifier tools: every method trains on phantoms and explain the test split", "[classifier-tools]") {
  due::test::ScratchDir dir;
  make_tiny_inputs(dir);
  const due::DatasetReader dataset(dir.file("dataset.h5"));
  const auto test_indices = dataset.indices_of_split(due::kTest);
  REQUIRE(!test_indices.empty());
  const due::VolumeShape shape = dataset.layout().shape;
  for (const std::string method :
       {"baseline", "baseline-plus", "due-unweighted", "due", "haics", "gradia", "res-g", "imputed-l1"}) {
    INFO(method);
    const auto trained = run_command(train_command(dir, method, method + ".pt") + " --epochs 2");
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
    CHECK_THAT(trained.output, Contains("kept epoch"));
    const std::string log = due::test::read_text(dir.file(method + ".pt.log.csv"));
    CHECK(line_count(log) == 3);
    CHECK_THAT(log, Contains("epoch,loss_total,loss_prediction") && Contains("val_pr_auc,") &&
                        Contains("val_iou_slice,val_iou_volume,seconds"));
    if (method == "res-g") CHECK_THAT(log, Contains(",loss_robust,loss_blur,"));
    if (method == "due-unweighted") CHECK_THAT(log, Contains(",loss_due,"));
    // The paper's Baseline+ reads the annotated slices of dataset.h5 only: the imputed annotation is not opened.
    if (method == "baseline-plus") {
      CHECK_THAT(log, Contains(",loss_sparse,"));
      CHECK_THAT(trained.output, Contains("does not read annotations; ignoring"));
    }
    const bool two_d = method == "haics" || method == "gradia" || method == "res-g";
    const due::ClassifierFile classifier = due::load_classifier(dir.file(method + ".pt"), torch::kCPU);
    CHECK(classifier.architecture.method == method);
    CHECK(classifier.architecture.network.dims == (two_d ? 2 : 3));
    CHECK(classifier.provenance.tool == "due-train-classifier");

    const std::string explanations = dir.file(method + "-explanations.h5");
    const auto explained = run_command(tool_path("explain") + " --threads 1 --data " + dir.file("dataset.h5") +
                                       " --model " + dir.file(method + ".pt") + " --out " + explanations +
                                       (method == "due" ? " --png " + dir.file("png") + " --nifti " + dir.file("nifti") : ""));
    INFO(explained.output);
    REQUIRE(explained.exit_code == 0);
    const due::ExplanationReader reader(explanations);
    REQUIRE(reader.size() == test_indices.size());
    CHECK(reader.attribute("method") == method);
    CHECK(reader.attribute("split") == "test");
    CHECK(reader.attribute("cam_dims") == (two_d ? "2" : "3"));
    CHECK(reader.provenance().tool == "due-explain");
    const auto ids = dataset.ids();
    const std::size_t plane = shape.height * shape.width, middle = shape.depth / 2;
    for (std::size_t row = 0; row < reader.size(); ++row) {
      const due::ExplanationRow r = reader.read(row);
      const due::DatasetSample s = dataset.read(test_indices[row]);
      CHECK(r.id == ids[test_indices[row]]);
      CHECK(r.label == s.label);
      CHECK(r.probability[0] + r.probability[1] == Approx(1.0));
      CHECK(r.predicted == (r.probability[1] > r.probability[0] ? 1 : 0));
      const auto [low, high] = std::minmax_element(r.cam.begin(), r.cam.end());
      CHECK(*low >= 0.f);
      CHECK(*high <= 1.f);
      if (two_d) {
        float outside = 0;
        for (std::size_t v = 0; v < r.cam.size(); ++v)
          if (v / plane != middle) outside += r.cam[v];
        CHECK(outside == 0.f);
      }
      if (method == "due") {
        const due::NiftiVolume nifti = due::read_nifti(dir.file("nifti/" + r.id + "_cam.nii.gz"));
        CHECK(nifti.values == r.cam);
        const std::string png = dir.file("png/" + r.id + ".png");
        CHECK(std::filesystem::exists(png) == (s.label == 1));
        if (s.label == 1) {
          const due::RgbImage picture = due::read_png(png);
          CHECK(picture.width() == 2 + 5 * (16 * 3 + 2));  // 5 slices of 16 pixels x 3, gaps of 2
          CHECK(picture.height() == 2 + 3 * (16 * 3 + 2));
        }
      }
    }
  }
}

TEST_CASE("classifier tools: --resume continues exactly as an uninterrupted run", "[classifier-tools]") {
  due::test::ScratchDir dir;
  make_tiny_inputs(dir);
  REQUIRE(run_command(train_command(dir, "due", "straight.pt") + " --epochs 3").exit_code == 0);
  REQUIRE(run_command(train_command(dir, "due", "resumed.pt") + " --epochs 1").exit_code == 0);
  CHECK(line_count(due::test::read_text(dir.file("resumed.pt.log.csv"))) == 2);
  const auto resumed = run_command(train_command(dir, "due", "resumed.pt") + " --epochs 3 --resume");
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Contains("resuming") && Contains("after epoch 1"));
  // The 1-epoch run kept epoch 1 (classifier.selection.min_epoch 5, clamped to the run's length); the 3-epoch run
  // chooses from epoch 3 on, straight or resumed.
  CHECK_THAT(resumed.output, Contains("kept epoch 3"));
  CHECK(log_without_time(dir.file("resumed.pt.log.csv")) == log_without_time(dir.file("straight.pt.log.csv")));
  const due::ResNetConfig config{3, 2, 1, 2};
  check_same_module(dir.file("straight.pt.checkpoint"), dir.file("resumed.pt.checkpoint"), due::kClassifierCheckpointKind,
                    "model", config);
  check_same_module(dir.file("straight.pt"), dir.file("resumed.pt"), due::kClassifierKind, "model", config);

  // A checkpoint of another method is refused, with one line.
  std::filesystem::copy_file(dir.file("resumed.pt.checkpoint"), dir.file("other.pt.checkpoint"));
  const auto other = run_command(train_command(dir, "due-unweighted", "other.pt") + " --resume");
  CHECK(other.exit_code == 2);
  CHECK_THAT(other.output, Contains("other.pt.checkpoint") && Contains("another architecture or method"));
  CHECK(line_count(other.output) == 1);
}

TEST_CASE("classifier tools: --resume refuses a checkpoint of another run, naming what changed",
          "[classifier-tools]") {
  due::test::ScratchDir dir;
  make_tiny_inputs(dir);
  const std::string train = train_command(dir, "due", "c.pt");
  REQUIRE(run_command(train + " --epochs 2").exit_code == 0);
  const std::string model = due::test::read_text(dir.file("c.pt"));
  const std::string checkpoint = due::test::read_text(dir.file("c.pt.checkpoint"));
  const std::string log = due::test::read_text(dir.file("c.pt.log.csv"));
  auto refused = [&](const std::string& change, const std::string& named) {
    INFO(change);
    const auto run = run_command(train + " --epochs 2 --resume" + change);
    INFO(run.output);
    CHECK(run.exit_code == 2);
    CHECK_THAT(run.output, Contains("c.pt.checkpoint: ") && Contains(named) &&
                               Contains("delete it or run without --resume"));
    CHECK(line_count(run.output) == 1);
  };
  refused(" --set classifier.learning_rate=0.002",
          "classifier.learning_rate: 0.001 when the checkpoint was written, 0.002 now");
  refused(" --set seed=4", "seed: 3 when the checkpoint was written, 4 now");
  refused(" --set classifier.lambda=2", "classifier.lambda: 1 when the checkpoint was written, 2 now");
  refused(" --set classifier.batch_size=6", "classifier.batch_size: 4 when the checkpoint was written, 6 now");
  refused(" --set threads=2", "threads: 1 when the checkpoint was written, 2 now");
  // Fewer epochs than the checkpoint has run: a straight run that short keeps another epoch.
  const auto shorter = run_command(train + " --epochs 1 --resume");
  CHECK(shorter.exit_code == 2);
  CHECK_THAT(shorter.output, Contains("c.pt.checkpoint: was written after epoch 2, past the 1 epoch(s)"));
  // Inputs by identity: a rewritten (here: touched) dataset or annotations file is another input.
  for (const char* input : {"dataset.h5", "annotations.h5"}) {
    const std::filesystem::file_time_type when = std::filesystem::last_write_time(dir.file(input));
    std::filesystem::last_write_time(dir.file(input), when + std::chrono::seconds(1));
    refused("", (std::string(input) == "dataset.h5" ? "--data " : "--annotations ") + dir.file(input) + ": file of ");
    std::filesystem::last_write_time(dir.file(input), when);
  }
  // Nothing was written by the refused runs.
  CHECK(due::test::read_text(dir.file("c.pt")) == model);
  CHECK(due::test::read_text(dir.file("c.pt.checkpoint")) == checkpoint);
  CHECK(due::test::read_text(dir.file("c.pt.log.csv")) == log);
  // Unchanged, it resumes (and, the run being complete, writes the model it kept); without --resume a changed
  // run starts afresh.
  const auto same = run_command(train + " --epochs 2 --resume");
  CHECK(same.exit_code == 0);
  CHECK_THAT(same.output, Contains("resuming from"));
  const auto fresh = run_command(train + " --epochs 1 --set classifier.learning_rate=0.002");
  CHECK(fresh.exit_code == 0);
  CHECK_THAT(fresh.output, !Contains("resuming"));
}

TEST_CASE("classifier tools: --out naming a folder is refused before training", "[classifier-tools]") {
  due::test::ScratchDir dir;
  make_tiny_inputs(dir);
  std::filesystem::create_directory(dir.file("od"));
  const auto run = run_command(train_command(dir, "baseline", "od") + " --epochs 1");
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.output, Contains("--out " + dir.file("od") + ": is a folder"));
  CHECK(line_count(run.output) == 1);
  CHECK_FALSE(std::filesystem::exists(dir.file("od.checkpoint")));
  CHECK_FALSE(std::filesystem::exists(dir.file("od.log.csv")));

  // Output folders that cannot be made or written are exit 2 naming the flag and the folder, before any CAM: a
  // file in the way (running as root, permissions would not stop the writes; a read-only file system would, and
  // gives the same line with its reason).
  REQUIRE(run_command(train_command(dir, "baseline", "b.pt") + " --epochs 1").exit_code == 0);
  const std::string explain = tool_path("explain") + " --threads 1 --data " + dir.file("dataset.h5") + " --model " +
                              dir.file("b.pt") + " --out " + dir.file("e.h5");
  for (const std::string flag : {"--png", "--nifti"}) {
    INFO(flag);
    const std::string folder = dir.file("b.pt") + "/cams";
    const auto refused = run_command(explain + " " + flag + " " + folder);
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.output, Contains(flag + " " + folder + ": cannot create the folder (Not a directory)"));
    CHECK(line_count(refused.output) == 1);
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("e.h5")));
}

TEST_CASE("classifier tools: bad input exits 2 with one line", "[classifier-tools]") {
  due::test::ScratchDir dir;
  make_tiny_inputs(dir);
  const std::string train = tool_path("train-classifier") + kTinyClassifier + " --epochs 1 --data " + dir.file("dataset.h5");
  const auto no_annotations = run_command(train + " --method due --out " + dir.file("x.pt"));
  CHECK(no_annotations.exit_code == 2);
  CHECK_THAT(no_annotations.output, Contains("--annotations"));
  CHECK(line_count(no_annotations.output) == 1);
  const auto bad_method = run_command(train + " --method magic --out " + dir.file("x.pt"));
  CHECK(bad_method.exit_code == 2);
  CHECK_THAT(bad_method.output, Contains("classifier.method") && Contains("baseline-plus"));
  const auto bad_layer = run_command(train + " --method baseline --set classifier.cam.layer=layer9 --out " + dir.file("x.pt"));
  CHECK(bad_layer.exit_code == 2);
  CHECK_THAT(bad_layer.output, Contains("classifier.cam.layer"));
  const auto not_annotations = run_command(train + " --method due --annotations " + dir.file("dataset.h5") +
                                           " --out " + dir.file("x.pt"));
  CHECK(not_annotations.exit_code == 2);
  CHECK_THAT(not_annotations.output, Contains("dataset.h5"));
  const auto no_model = run_command(tool_path("explain") + " --data " + dir.file("dataset.h5") + " --model " +
                                    dir.file("absent.pt") + " --out " + dir.file("e.h5"));
  CHECK(no_model.exit_code == 2);
  CHECK_THAT(no_model.output, Contains("absent.pt"));
  CHECK(line_count(no_model.output) == 1);
  const auto bad_split = run_command(tool_path("explain") + " --split holdout --data " + dir.file("dataset.h5") +
                                     " --model " + dir.file("absent.pt") + " --out " + dir.file("e.h5"));
  CHECK(bad_split.exit_code == 2);
  CHECK_THAT(bad_split.output, Contains("explain.split"));
  CHECK(dir.entries().size() == 2);  // dataset.h5 and annotations.h5 only
}
