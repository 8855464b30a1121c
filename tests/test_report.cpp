#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "report/aggregate.h"
#include "report/figures.h"
#include "report/metrics_file.h"
#include "report/montage_figure.h"
#include "report/tables.h"
#include "support.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

// A run's metrics with the given headline numbers; the sweep falls off linearly from the IoU at 0.
due::MetricsRecord fixture(const std::string& method, int seed, int train_size, double accuracy, double iou,
                           const std::string& interpolator = "diffusion") {
  due::MetricsRecord r;
  r.tags = {{"experiment", "fixture"}, {"dataset", "phantom"},  {"method", method},
            {"seed", std::to_string(seed)}, {"train_size", std::to_string(train_size)}, {"lambda", "1"},
            {"interpolator", interpolator}, {"uncertainty", "npvae"}, {"split", "test"}};
  r.dataset_path = "dataset.h5";
  r.explanations_path = method + "/explanations.h5";
  auto& c = r.classification;
  c.samples = 40;
  c.positives = 12;
  c.accuracy = accuracy;
  c.roc_auc = accuracy + 0.05;
  c.average_precision = accuracy - 0.1;
  c.pr_auc_trapezoid = accuracy - 0.05;
  c.precision = c.recall = c.f1 = c.specificity = accuracy;
  // The slice scores above the volume ones, as a 2D method's would be.
  r.scored_slice = 4;
  using Shifted = std::pair<due::ExplanationScoring*, double>;
  for (auto [scoring, shift] : {Shifted{&r.slice, 0.1}, Shifted{&r.volume, 0.0}}) {
    const double base = iou + shift;
    scoring->reported.threshold = 0.5;
    scoring->reported.samples = 12;
    scoring->reported.mean = {base, base + 0.1, base + 0.2, base + 0.05};
    for (int k = 0; k < 10; ++k) {
      const double t = k / 10.0, v = base * (1.0 - t);
      scoring->sweep.push_back({t, {v, v, v, v}, 12});
    }
    scoring->per_sample = {{"sample-1", scoring->reported.mean}};
  }
  r.provenance = due::make_provenance("due-evaluate");
  return r;
}

bool is_png(const std::string& path, unsigned& width, unsigned& height) {
  std::ifstream in(path, std::ios::binary);
  unsigned char header[24] = {};
  in.read(reinterpret_cast<char*>(header), sizeof header);
  const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  if (!in || !std::equal(signature, signature + 8, header)) return false;
  width = (header[16] << 24) | (header[17] << 16) | (header[18] << 8) | header[19];
  height = (header[20] << 24) | (header[21] << 16) | (header[22] << 8) | header[23];
  return true;
}

std::string before_footer(const std::string& report) { return report.substr(0, report.rfind("\n---\n")); }

}  // namespace

TEST_CASE("report: summaries, groups and labels", "[report]") {
  const due::Summary s = due::summarise({0.8, 0.9, NAN});
  CHECK(s.count == 2);
  CHECK(s.mean == Approx(0.85));
  CHECK(s.std == Approx(std::sqrt(0.005)));
  CHECK(std::isnan(due::summarise({0.3}).std));
  CHECK(std::isnan(due::summarise({}).mean));
  CHECK(due::format_summary(s) == "0.850 ± 0.071");
  CHECK(due::format_summary(due::summarise({0.3})) == "0.300");
  CHECK(due::format_summary(due::summarise({})) == "n/a");

  const std::vector<due::MetricsRecord> runs{fixture("due", 1, 20, 0.8, 0.4), fixture("due", 2, 20, 0.9, 0.5),
                                             fixture("due", 1, 20, 0.7, 0.3, "linear"),
                                             fixture("baseline", 1, 20, 0.6, 0.1)};
  std::vector<const due::MetricsRecord*> pointers;
  for (const auto& r : runs) pointers.push_back(&r);
  const auto groups = due::group_runs(pointers, {});
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].label == "baseline");  // the paper's order: baselines first, DUE last
  CHECK(groups[1].label == "due interpolator=diffusion");
  CHECK(groups[1].runs.size() == 2);
  CHECK(groups[2].label == "due interpolator=linear");

  // due-unweighted sorts just before the due it ablates. DUE's plain group is its default configuration
  // (diffusion + npvae), not the blend group sorted before it; prose names each by method and imputation.
  std::vector<due::MetricsRecord> ablation{fixture("due", 1, 20, 0.8, 0.4), fixture("due", 1, 20, 0.8, 0.4),
                                           fixture("due-unweighted", 1, 20, 0.8, 0.3),
                                           fixture("haics", 1, 20, 0.8, 0.2)};
  ablation[0].tags["uncertainty"] = "blend";
  ablation[2].tags["uncertainty"] = "none";
  ablation[3].tags["interpolator"] = ablation[3].tags["uncertainty"] = "none";
  std::vector<const due::MetricsRecord*> ablation_pointers;
  for (const auto& r : ablation) ablation_pointers.push_back(&r);
  const auto ablation_groups = due::group_runs(ablation_pointers, {});
  REQUIRE(ablation_groups.size() == 4);
  CHECK(ablation_groups[0].label == "haics");
  CHECK(ablation_groups[1].label == "due-unweighted");
  CHECK(ablation_groups[2].label == "due uncertainty=blend");
  CHECK(ablation_groups[3].label == "due uncertainty=npvae");
  CHECK(due::plain_group_of(ablation_groups, "due") == &ablation_groups[3]);
  CHECK(due::configuration_name(ablation_groups[3]) == "DUE (diffusion + npvae)");
  CHECK(due::configuration_name(ablation_groups[2]) == "DUE (diffusion + blend)");
  CHECK(due::configuration_name(ablation_groups[1]) == "DUE-unweighted (diffusion)");
  CHECK(due::configuration_name(ablation_groups[0]) == "HAICS");

  const std::string table = due::summary_table(groups, {"accuracy", "iou_volume"});
  CHECK_THAT(table, Contains("| Method | Seeds | Accuracy | IoU (volume) |"));
  // Fewer than 3 seeds in some group: nothing is bold (a best mean of 1-2 seeds is noise).
  CHECK_THAT(table, Contains("| due interpolator=diffusion | 2 | 0.850 ± 0.071 | 0.450 ± 0.071 |"));
  CHECK_THAT(table, Contains("| baseline | 1 | 0.600 | 0.100 |"));
  CHECK_THAT(table, !Contains("**"));
  // Three seeds each: the best mean of each column is bold.
  const std::vector<due::MetricsRecord> three{fixture("due", 1, 20, 0.8, 0.4), fixture("due", 2, 20, 0.9, 0.5),
                                              fixture("due", 3, 20, 0.7, 0.6), fixture("baseline", 1, 20, 0.9, 0.1),
                                              fixture("baseline", 2, 20, 0.9, 0.2), fixture("baseline", 3, 20, 0.9, 0.3)};
  std::vector<const due::MetricsRecord*> three_pointers;
  for (const auto& r : three) three_pointers.push_back(&r);
  const std::string bold = due::summary_table(due::group_runs(three_pointers, {}), {"accuracy", "iou_volume"});
  CHECK_THAT(bold, Contains("| baseline | 3 | **0.900 ± 0.000** | 0.200 ± 0.100 |"));
  CHECK_THAT(bold, Contains("| due | 3 | 0.800 ± 0.100 | **0.500 ± 0.100** |"));
}

TEST_CASE("report: Table 1 pools the data seeds and shows each under its pooled row", "[report]") {
  // due and baseline on data seeds 2 and 10 (10 sorts after 2: by value), classifier seeds 1 and 2 in each.
  std::vector<due::MetricsRecord> runs;
  for (int data_seed : {10, 2}) {
    for (int seed : {1, 2}) {
      for (const std::string method : {"baseline", "due"}) {
        const double shift = (data_seed == 2 ? 0.0 : 0.2) + 0.1 * seed;
        runs.push_back(fixture(method, seed, 20, 0.5 + shift, (method == "due" ? 0.3 : 0.1) + shift));
        runs.back().tags["data_seed"] = std::to_string(data_seed);
      }
    }
  }
  std::vector<const due::MetricsRecord*> pointers;
  for (const auto& r : runs) pointers.push_back(&r);
  const auto groups = due::group_runs(pointers, {});
  REQUIRE(groups.size() == 2);
  const std::string table = due::summary_table(groups, {"accuracy", "iou_volume"}, due::DataSeedRows::beside_pooled);
  INFO(table);
  // due pooled: accuracies 0.6, 0.7 (data seed 2) and 0.8, 0.9 (data seed 10): mean 0.75, sd 0.129. Four runs
  // a pooled row: its best means are bold (accuracy ties with baseline's); a draw's row never is, even where
  // its mean is higher (due's IoU on data seed 10).
  CHECK_THAT(table, Contains("| due | 4 | **0.750 ± 0.129** | **0.550 ± 0.129** |\n"
                             "| due (data seed 2) | 2 | 0.650 ± 0.071 | 0.450 ± 0.071 |\n"
                             "| due (data seed 10) | 2 | 0.850 ± 0.071 | 0.650 ± 0.071 |\n"));
  CHECK_THAT(table, Contains("| baseline (data seed 2) | 2 | 0.650 ± 0.071 | 0.250 ± 0.071 |"));
  CHECK_THAT(table, Contains("one row per draw, \"(data seed D)\""));
  // Pooled only: no per-draw rows, and nothing else changes.
  const std::string pooled = due::summary_table(groups, {"accuracy", "iou_volume"});
  CHECK_THAT(pooled, !Contains("data seed"));
  CHECK_THAT(pooled, Contains("| due | 4 | **0.750 ± 0.129** | **0.550 ± 0.129** |"));
  // One data seed: the table is the same either way (as before data seeds existed).
  std::vector<const due::MetricsRecord*> one_draw;
  for (const auto& r : runs)
    if (r.tag("data_seed") == "2") one_draw.push_back(&r);
  const auto one_draw_groups = due::group_runs(one_draw, {});
  CHECK(due::summary_table(one_draw_groups, {"accuracy"}, due::DataSeedRows::beside_pooled) ==
        due::summary_table(one_draw_groups, {"accuracy"}));
}

TEST_CASE("report Fig. 4: every panel from the same data draw, the first data seed's", "[report]") {
  // Each data draw has its own dataset file (its own split). Given draw 2's run first for one method and draw
  // 1's first for the other, the figure takes draw 1's for both (taking the first given would mix the draws):
  // here it then stops at draw 1's dataset file, which does not exist, and never at draw 2's.
  std::vector<due::MetricsRecord> runs;
  for (const auto& [method, data_seed] : std::vector<std::pair<std::string, int>>{
           {"baseline", 2}, {"baseline", 1}, {"due", 1}, {"due", 2}}) {
    runs.push_back(fixture(method, 1, 20, 0.8, 0.3));
    runs.back().tags["data_seed"] = std::to_string(data_seed);
    runs.back().dataset_path = "draw" + std::to_string(data_seed) + "/dataset.h5";
  }
  std::vector<const due::MetricsRecord*> pointers;
  for (const auto& r : runs) pointers.push_back(&r);
  due::test::ScratchDir dir;
  const due::FigureOutcome outcome = due::montage_figure(pointers, dir.file("fig4.png"), "fig4.png");
  CHECK_FALSE(outcome.drawn);
  CHECK_THAT(outcome.markdown, Contains("cannot be read here") && Contains("draw1/dataset.h5"));
  CHECK_THAT(outcome.markdown, !Contains("draw2") && !Contains("different dataset files"));
}

TEST_CASE("report: Fig. 3 names a single non-numeric training size (the workflow's train_size=config)",
          "[report]") {
  // Two draws of table1: their counts differ, but both ran the config's size, which is what the tag says.
  std::vector<due::MetricsRecord> runs;
  for (int seed : {1, 2}) runs.push_back(fixture("due", seed, 50, 0.8, 0.3));
  for (auto& run : runs) run.tags["train_size"] = "config";
  std::vector<const due::MetricsRecord*> pointers;
  for (const auto& r : runs) pointers.push_back(&r);
  due::test::ScratchDir dir;
  const due::FigureOutcome outcome = due::tag_sweep_figure(pointers, "train_size", "training-set size",
                                                           {"accuracy"}, dir.file("fig3.png"), "fig3.png");
  CHECK_THAT(outcome.markdown, Contains("Not drawn: every configuration was run at a single training-set size "
                                        "(`train_size=config`, not a number: the config's own)"));
  CHECK_FALSE(std::filesystem::exists(dir.file("fig3.png")));
}

TEST_CASE("due-evaluate --report: tables and figures from fixture metrics files", "[report]") {
  due::test::ScratchDir dir;
  std::vector<std::string> paths;
  int index = 0;
  for (const std::string method : {"baseline", "due"}) {
    for (int seed : {1, 2}) {
      for (int size : {20, 50}) {
        const double accuracy = (method == "due" ? 0.8 : 0.7) + 0.05 * seed + (size == 50 ? 0.05 : 0.0);
        const double iou = (method == "due" ? 0.5 : 0.2) + 0.01 * seed;
        const std::string path = dir.file("run" + std::to_string(index++) + ".json");
        due::write_metrics_files(fixture(method, seed, size, accuracy, iou), path);
        paths.push_back(path);
      }
    }
  }
  std::string files;
  for (const auto& p : paths) files += " " + p;
  const auto result = run_command(tool_path("evaluate") + " --report --metrics" + files + " --out " +
                                  dir.file("report.md"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::string report = due::test::read_text(dir.file("report.md"));
  // due at size 20: accuracies 0.85 and 0.90 over seeds 1, 2.
  CHECK_THAT(report, Contains("## Dataset: phantom") && Contains("### Table 1"));
  CHECK_THAT(report, Contains("| due train_size=20 | 2 | 0.875 ± 0.035 |"));
  CHECK_THAT(report, Contains("| due train_size=50 | 2 | 0.925 ± 0.035 |"));
  CHECK_THAT(report, Contains("| baseline train_size=50 | 2 | 0.825 ± 0.035 |"));
  CHECK_THAT(report, Contains("40 samples, 12 positive"));
  CHECK_THAT(report, Contains("reproducible for a fixed seed and thread count, not across thread counts"));
  // Two training sizes and ten thresholds make curves; a single lambda does not, and the report says so.
  CHECK_THAT(report, Contains("](report-fig3-training-size-phantom.png)"));
  CHECK_THAT(report, Contains("](report-fig5-threshold-phantom.png)"));
  CHECK_THAT(report, Contains("Not drawn: every configuration was run at a single lambda (1)"));
  unsigned width = 0, height = 0;
  REQUIRE(is_png(dir.file("report-fig3-training-size-phantom.png"), width, height));
  CHECK(width == 5 * 460);  // four metric panels (accuracy, ROC-AUC, IoU on the slice and the volume), the legend
  CHECK(height == 400);
  REQUIRE(is_png(dir.file("report-fig5-threshold-phantom.png"), width, height));
  CHECK(width == 5 * 460);  // IoU and F1 on the slice and on the volume, the legend
  CHECK_FALSE(std::ifstream(dir.file("report-fig6-lambda-phantom.png")).good());
  CHECK_THAT(report, Contains("`" + paths[0] + "`"));
  CHECK_THAT(report, !Contains("**Warnings**"));
  // results.csv: every run's tags and metrics, one row per metrics file, for pandas.
  CHECK_THAT(report, Contains("[report-results.csv](report-results.csv)"));
  const std::string results = due::test::read_text(dir.file("report-results.csv"));
  CHECK(results.rfind("metrics_file,experiment,dataset,method,seed,train_size,", 0) == 0);
  CHECK(std::count(results.begin(), results.end(), '\n') == 1 + 8);
  CHECK_THAT(results, Contains(paths[0] + ",fixture,phantom,"));

  // The order of the inputs does not change the report.
  std::string reversed;
  for (auto it = paths.rbegin(); it != paths.rend(); ++it) reversed += " " + *it;
  // Same report name in another folder, since the figures' names derive from it.
  std::filesystem::create_directories(dir.file("again"));
  REQUIRE(run_command(tool_path("evaluate") + " --report --metrics" + reversed + " --out " + dir.file("again/report.md"))
              .exit_code == 0);
  CHECK(before_footer(due::test::read_text(dir.file("again/report.md"))) == before_footer(report));

  // One seed and one size: no curves, no spread, said plainly.
  REQUIRE(run_command(tool_path("evaluate") + " --report --metrics " + paths[0] + " --out " + dir.file("one.md"))
              .exit_code == 0);
  const std::string one = due::test::read_text(dir.file("one.md"));
  CHECK_THAT(one, Contains("| baseline | 1 | 0.750 |"));
  CHECK_THAT(one, Contains("single training-set size (20)"));
  CHECK_THAT(one, Contains("one seed per point"));
  // What one seed can show, and the table1 run that gives evidence, with its time and result on phantoms.
  CHECK_THAT(one, Contains("**What one seed can show**: each configuration here has one run.") &&
                      Contains("run `make -f Makefile.workflow table1` (every method on 2 data draws x 5 classifier "
                               "seeds, paired tests): at pipelines/phantom.yaml's defaults it takes 8.0 min") &&
                      Contains("0.106 for DUE, DUE above Baseline at p = 0.001"));
  CHECK_THAT(report, Contains("**What so few seeds can show**: each configuration here has at most 2 runs."));
}

TEST_CASE("due-evaluate --report: a file that is not a metrics file exits 2 naming it", "[report]") {
  due::test::ScratchDir dir;
  due::test::write_text(dir.file("bogus.json"), "{\"schema\": \"something-else\"}");
  const auto result = run_command(tool_path("evaluate") + " --report --metrics " + dir.file("bogus.json") +
                                  " --out " + dir.file("report.md"));
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.output, Contains("bogus.json") && Contains("not a metrics file"));
  due::test::write_text(dir.file("cut.json"), "{\"schema\": \"due-metrics\", \"schema_version\": 1, \"tags\": {");
  const auto cut = run_command(tool_path("evaluate") + " --report --metrics " + dir.file("cut.json") + " --out " +
                               dir.file("report.md"));
  CHECK(cut.exit_code == 2);
  CHECK_THAT(cut.output, Contains("cut.json"));
  const auto none = run_command(tool_path("evaluate") + " --report --out " + dir.file("report.md"));
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.output, Contains("--metrics"));
}

TEST_CASE("due-evaluate --report: a run's warnings and a test split too small for a verdict are warnings in the report",
          "[report]") {
  due::test::ScratchDir dir;
  due::MetricsRecord plain = fixture("baseline", 1, 20, 0.7, 0.2);
  due::MetricsRecord degenerate = fixture("due", 1, 20, 0.9, 0.5);
  degenerate.warnings = {"the validation split is empty: the classifier's epoch was not chosen on validation"};
  degenerate.classification.samples = 3;
  degenerate.classification.positives = 2;
  due::write_metrics_files(plain, dir.file("plain.json"));
  due::write_metrics_files(degenerate, dir.file("degenerate.json"));
  // The warnings survive metrics.json and reach metrics.csv.
  CHECK(due::read_metrics_file(dir.file("degenerate.json")).warnings == degenerate.warnings);
  CHECK(due::read_metrics_file(dir.file("plain.json")).warnings.empty());
  CHECK_THAT(due::test::read_text(dir.file("degenerate.csv")), Contains(",warnings\n") && Contains("not chosen on validation"));
  const auto result = run_command(tool_path("evaluate") + " --report --metrics " + dir.file("plain.json") + " " +
                                  dir.file("degenerate.json") + " --out " + dir.file("report.md"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::string report = due::test::read_text(dir.file("report.md"));
  CHECK_THAT(report, Contains("**Warnings**: these runs are not results as they stand"));
  CHECK_THAT(report, Contains("- the validation split is empty: the classifier's epoch was not chosen on validation "
                              "(1 of 2 runs)."));
  CHECK_THAT(report, Contains("- the smallest evaluated split of these runs has 2 positives and 1 negative, fewer than "
                              "the 5 of each a verdict needs: the claims and the Ladder's answers below are withheld."));
}
