// The feedback loop and consistency reweighting through the tools, on a tiny phantom dataset: a baseline,
// due-explain --query entropy --simulate-feedback, training with --feedback, training with --reweight
// consistency, and the errors a user meets.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "classifier/checkpoint_selection.h"
#include "classifier/feedback_file.h"
#include "io/dataset_store.h"
#include "io/png_writer.h"
#include "nn/checkpoint.h"
#include "support.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

const char* const kTiny = " --threads 1 --seed 3 --set classifier.width=2 --set classifier.batch_size=4";

// Rows of a CSV as maps column -> text.
std::vector<std::map<std::string, std::string>> csv_rows(const std::string& path) {
  std::istringstream in(due::test::read_text(path));
  std::string line;
  std::getline(in, line);
  std::vector<std::string> header;
  std::stringstream h(line);
  for (std::string cell; std::getline(h, cell, ',');) header.push_back(cell);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    std::stringstream r(line);
    std::map<std::string, std::string> row;
    std::size_t c = 0;
    for (std::string cell; std::getline(r, cell, ',') && c < header.size(); ++c) row[header[c]] = cell;
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

TEST_CASE("feedback tools: query by entropy, simulated marks, training with feedback and with consistency",
          "[feedback-tools]") {
  due::test::ScratchDir dir;
  const std::string data = due::test::small_phantom_dataset(dir);
  const due::DatasetReader dataset(data);
  const std::size_t train_samples = dataset.indices_of_split(due::kTrain).size();
  REQUIRE(train_samples >= 4);
  const std::string train = tool_path("train-classifier") + kTiny + " --data " + data;
  const auto base = run_command(train + " --method baseline --epochs 2 --out " + dir.file("base.pt"));
  INFO(base.output);
  REQUIRE(base.exit_code == 0);

  const std::string feedback = dir.file("feedback.yaml");
  const auto queried = run_command(tool_path("explain") + " --threads 1 --data " + data + " --model " +
                                   dir.file("base.pt") + " --query entropy --top 3 --simulate-feedback" +
                                   " --set explain.query_cell_size=[4,8,8] --set explain.query_cells=5 --out " + feedback);
  INFO(queried.output);
  REQUIRE(queried.exit_code == 0);
  CHECK_THAT(queried.output, Contains("3 of " + std::to_string(train_samples) + " training samples queried"));
  const due::FeedbackFile file = due::read_feedback_file(feedback);
  REQUIRE(file.samples.size() == 3);
  CHECK(file.volume == dataset.layout().shape);
  CHECK(file.provenance.tool == "due-explain");
  std::size_t marked = 0;
  for (std::size_t s = 0; s < 3; ++s) {
    const auto& sample = file.samples[s];
    if (s > 0) CHECK(sample.entropy <= file.samples[s - 1].entropy);
    REQUIRE(sample.cells.size() == 5);
    CHECK(sample.cells[0].number == 1);
    CHECK(sample.cells[0].saliency >= sample.cells[4].saliency);
    const due::RgbImage montage = due::read_png(sample.montage);
    CHECK(montage.width() > 16 * 3);
    // Simulated marks: exactly the listed cells holding no voxel of the reference mask.
    std::size_t index = 0;
    const auto ids = dataset.ids();
    while (ids[index] != sample.id) ++index;
    const due::DatasetSample reference = dataset.read(index);
    CHECK(sample.label == reference.label);
    for (const auto& cell : sample.cells) {
      bool lesion = false;
      for (std::size_t z = cell.begin[0]; z < cell.end[0]; ++z)
        for (std::size_t y = cell.begin[1]; y < cell.end[1]; ++y)
          for (std::size_t x = cell.begin[2]; x < cell.end[2]; ++x) lesion = lesion || reference.mask[(z * 16 + y) * 16 + x];
      CHECK(cell.irrelevant == !lesion);
      marked += cell.irrelevant;
    }
  }
  REQUIRE(marked > 0);

  // Rounds 1 + 2 + 1: the penalty is logged in the feedback epochs only.
  const auto steered = run_command(train + " --method baseline --feedback " + feedback +
                                   " --set classifier.feedback.baseline_epochs=1 --set classifier.feedback.feedback_epochs=2"
                                   " --set classifier.feedback.after_epochs=1 --set classifier.selection.min_epoch=1"
                                   " --out " + dir.file("steered.pt"));
  INFO(steered.output);
  REQUIRE(steered.exit_code == 0);
  CHECK_THAT(steered.output, Contains(std::to_string(marked) + " cell(s) marked irrelevant"));
  const auto rows = csv_rows(dir.file("steered.pt.log.csv"));
  REQUIRE(rows.size() == 4);
  // The kept model has seen the feedback: the rule run over the logged scores of epochs 2-4 only (epoch 1 is
  // the baseline round, excluded even with min_epoch 1).
  due::SelectionState selection;
  for (std::size_t e = 0; e < rows.size(); ++e)
    due::offer_epoch({1, 0.02}, selection, static_cast<std::int64_t>(e + 1), e >= 1,
                     std::stod(rows[e].at("val_pr_auc")), std::stod(rows[e].at("val_loss")));
  const std::int64_t steered_kept = due::CheckpointReader(dir.file("steered.pt"), "due-classifier").get_int("best_epoch");
  CHECK(steered_kept >= 2);
  CHECK(steered_kept == (selection.best_epoch > 0 ? selection.best_epoch : 4));
  CHECK(rows[0].at("loss_feedback") == "nan");
  CHECK(rows[3].at("loss_feedback") == "nan");
  CHECK(std::stod(rows[1].at("loss_feedback")) >= 0.0);
  CHECK(std::stod(rows[2].at("loss_feedback")) >= 0.0);

  // Same seed, same result (CPU).
  const auto again = run_command(train + " --method baseline --feedback " + feedback +
                                 " --set classifier.feedback.baseline_epochs=1 --set classifier.feedback.feedback_epochs=2"
                                 " --set classifier.feedback.after_epochs=1 --out " + dir.file("again.pt"));
  REQUIRE(again.exit_code == 0);
  const auto again_rows = csv_rows(dir.file("again.pt.log.csv"));
  for (std::size_t r = 0; r < 4; ++r) {
    CHECK(again_rows[r].at("loss_total") == rows[r].at("loss_total"));
    CHECK(again_rows[r].at("loss_feedback") == rows[r].at("loss_feedback"));
  }

  // A feedback file naming a sample outside the training split is refused in one line.
  std::string text = due::test::read_text(feedback);
  const std::string first_id = "\"" + file.samples[0].id + "\"";
  text.replace(text.find(first_id), first_id.size(), "\"no-such-sample\"");
  due::test::write_text(dir.file("bad.yaml"), text);
  const auto refused = run_command(train + " --method baseline --feedback " + dir.file("bad.yaml") + " --out " +
                                   dir.file("bad.pt"));
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output, Contains("bad.yaml: sample 'no-such-sample' is not in the training split"));

  // Consistency reweighting, with a 3D and a 2D method; the annotation background for the 2D one.
  for (const std::string method : {"baseline", "gradia"}) {
    INFO(method);
    // layer2: at this block size layer4's map is one voxel, a flat CAM that no perturbation can move.
    const auto reweighted = run_command(train + " --method " + method + " --epochs 2 --reweight consistency" +
                                        " --set classifier.cam.layer=layer2" +
                                        (method == "gradia" ? " --set classifier.reweight.background=annotation"
                                                              " --set classifier.reweight.steps=2" : "") +
                                        " --out " + dir.file(method + "-rw.pt"));
    INFO(reweighted.output);
    REQUIRE(reweighted.exit_code == 0);
    CHECK_THAT(reweighted.output, Contains("mean explanation consistency"));
    const auto log = csv_rows(dir.file(method + "-rw.pt.log.csv"));
    REQUIRE(log.size() == 2);
    for (const auto& row : log) {
      const double mean = std::stod(row.at("mean_consistency")), low = std::stod(row.at("min_consistency"));
      CHECK(mean > 0.0);
      CHECK(mean <= 1.0);
      CHECK(low < mean);  // the attack moves some maps more than others
      // Raw weights 1 + s (1 - c) (strength s = 1), divided by their mean 1 + s (1 - mean c): the largest
      // belongs to the least consistent sample.
      CHECK(std::stod(row.at("max_weight")) == Approx((2.0 - low) / (2.0 - mean)).epsilon(1e-4));
    }
  }
  const auto bad_mode = run_command(train + " --method baseline --reweight sometimes --out " + dir.file("x.pt"));
  CHECK(bad_mode.exit_code == 2);
  CHECK_THAT(bad_mode.output, Contains("classifier.reweight.mode"));
}
