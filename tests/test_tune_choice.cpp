// scripts/tune-choice.py (make -f Makefile.workflow tune): the demo settings chosen from validation metrics only,
// on hand-made metrics.csv files whose criterion is worked out below.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <tuple>
#include <vector>

#include "support.h"

namespace {

using Catch::Matchers::Contains;

const std::string kScript = std::string(DUE_SOURCE_DIR) + "/scripts/tune-choice.py";

// One run's metrics.csv with the columns the script reads (the real file has more; order is irrelevant).
std::string write_run(const due::test::ScratchDir& dir, const std::string& point, const std::string& method, int seed,
                      double iou, double ap, const std::string& split = "validation") {
  const std::string path = dir.file(point + "-" + method + "-" + std::to_string(seed) + ".csv");
  due::test::write_text(path, "experiment,method,seed,split,tune,data_seed,average_precision,iou_volume\n,"
                              + method + "," + std::to_string(seed) + "," + split + "," + point + ",1," +
                              std::to_string(ap) + "," + std::to_string(iou) + "\n");
  return path;
}

}  // namespace

TEST_CASE("tune choice: the highest mean validation IoU over the methods wins; near ties go to the cheaper point",
          "[tune-choice]") {
  due::test::ScratchDir dir;
  std::string files;
  // Point A (30 epochs): baseline 0.10, 0.14 -> 0.12; due 0.30, 0.34 -> 0.32; criterion 0.22.
  // Point B (15 epochs): baseline 0.05, 0.07 -> 0.06; due 0.40, 0.42 -> 0.41; criterion 0.235: B wins, although
  // A has the better baseline (the criterion is over every method, not one).
  // Point C (50 epochs): 0.232 on average, within 0.005 of B but dearer: B stays.
  for (const auto& [point, method, seed, iou] :
       std::vector<std::tuple<std::string, std::string, int, double>>{
           {"layer2_width8_epochs30", "baseline", 1, 0.10}, {"layer2_width8_epochs30", "baseline", 2, 0.14},
           {"layer2_width8_epochs30", "due", 1, 0.30},      {"layer2_width8_epochs30", "due", 2, 0.34},
           {"layer2_width8_epochs15", "baseline", 1, 0.05}, {"layer2_width8_epochs15", "baseline", 2, 0.07},
           {"layer2_width8_epochs15", "due", 1, 0.40},      {"layer2_width8_epochs15", "due", 2, 0.42},
           {"layer2_width8_epochs50", "baseline", 1, 0.11}, {"layer2_width8_epochs50", "baseline", 2, 0.11},
           {"layer2_width8_epochs50", "due", 1, 0.354},     {"layer2_width8_epochs50", "due", 2, 0.354}})
    files += " " + write_run(dir, point, method, seed, iou, 0.9);
  const auto chosen = due::test::run_command("python3 " + kScript + " --out " + dir.file("choice.md") + files);
  INFO(chosen.output);
  REQUIRE(chosen.exit_code == 0);
  const std::string choice = due::test::read_text(dir.file("choice.md"));
  CHECK_THAT(choice, Contains("**Chosen: layer2_width8_epochs15** (criterion 0.235; tied within 0.005: "
                              "layer2_width8_epochs50)"));
  CHECK_THAT(choice, Contains("| layer2_width8_epochs30 | 0.220 | 0.120 ± 0.028 | 0.320 ± 0.028 |"));
  CHECK_THAT(choice, Contains("No test-split number was read."));
}

TEST_CASE("tune choice: a test-split file is refused with one line naming it", "[tune-choice]") {
  due::test::ScratchDir dir;
  const std::string good = write_run(dir, "a", "due", 1, 0.3, 0.9);
  const std::string test_split = write_run(dir, "b", "due", 1, 0.3, 0.9, "test");
  const auto refused =
      due::test::run_command("python3 " + kScript + " --out " + dir.file("choice.md") + " " + good + " " + test_split);
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output, Contains(test_split) && Contains("'test' split") && Contains("validation only"));
  CHECK(refused.output.find('\n') == refused.output.size() - 1);
  CHECK_FALSE(std::filesystem::exists(dir.file("choice.md")));
}
