// Issue 15, section 1: every method is scored on the slice the 2D methods explain as well as on the volume, by
// one rule shared by due-evaluate, the training log's validation IoU and the report's Fig. 4. The files are real
// (dataset.h5 and explanations.h5 written by the stage writers, the tools run as processes) and the expected
// numbers are worked out by hand in the comments. The metrics are read as plain JSON and CSV text, the layout
// docs/evaluation.md promises, not through the report's own parser.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "imaging/montage.h"
#include "io/dataset_store.h"
#include "io/png_writer.h"
#include "io/stage_files.h"
#include "metrics/slice_scoring.h"
#include "support.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

nlohmann::json read_json(const std::string& path) { return nlohmann::json::parse(due::test::read_text(path)); }

// metrics.csv's one row by column name.
std::map<std::string, std::string> read_csv_row(const std::string& path) {
  std::istringstream in(due::test::read_text(path));
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  const auto split = [](const std::string& line) {
    std::vector<std::string> fields;
    std::string field;
    std::istringstream parts(line);
    while (std::getline(parts, field, ',')) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.push_back("");
    return fields;
  };
  const std::vector<std::string> names = split(header), values = split(row);
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) out[names[i]] = values[i];
  return out;
}

// 4 slices of 2 x 2, so the middle slice (the scored one) is depth index 2; each plane's voxels are 0..3.
const due::VolumeShape kShape{4, 2, 2};

// Test split: sample-0 (positive) has a lesion of 2 voxels (0 and 1) on each of slices 1, 2 and 3, 6 in all, 2 on
// the scored slice; sample-1 (positive) only voxel 0 of slice 0, so nothing on the scored slice; sample-2 is
// negative. sample-3 is a negative of the training split.
void write_dataset(const std::string& path) {
  const due::DatasetLayout layout{kShape, 1};
  due::Provenance provenance = due::make_provenance("due-preprocess");
  provenance.config_yaml = "preprocess:\n  source: phantom\n";
  due::DatasetWriter writer(path, layout, provenance, "slice scoring", 1);
  std::vector<std::uint8_t> lesion(16, 0), corner(16, 0);
  for (std::size_t z : {1, 2, 3}) lesion[z * 4] = lesion[z * 4 + 1] = 1;
  corner[0] = 1;
  const std::vector<std::vector<std::uint8_t>> masks{lesion, corner, std::vector<std::uint8_t>(16, 0),
                                                     std::vector<std::uint8_t>(16, 0)};
  const std::vector<std::uint8_t> labels{1, 1, 0, 0}, splits{2, 2, 2, 0};
  for (std::size_t i = 0; i < masks.size(); ++i) {
    due::DatasetSample sample = due::test::make_test_sample(layout, i);
    sample.label = labels[i];
    sample.split = splits[i];
    sample.mask = masks[i];
    writer.append(sample);
  }
  writer.commit();
}

std::vector<float> volume_with(std::initializer_list<std::pair<std::size_t, float>> values) {
  std::vector<float> cam(16, 0.f);
  for (const auto& [voxel, value] : values) cam[voxel] = value;
  return cam;
}

void write_explanations(const std::string& path, const due::FileAttributes& attributes,
                        const std::vector<float>& cam0, const std::vector<float>& cam1) {
  due::ExplanationWriter writer(path, kShape, due::make_provenance("due-explain"), attributes, 1);
  writer.append({"sample-0", 1, {0.2f, 0.8f}, 1, cam0});
  writer.append({"sample-1", 1, {0.3f, 0.7f}, 1, cam1});
  writer.append({"sample-2", 0, {0.9f, 0.1f}, 0, std::vector<float>(16, 0.f)});
  writer.commit();
}

// A 2D method's file as due-explain wrote it before slice scoring (cam_slice only): its map fills slice 2.
//   sample-0: the map is 1 on voxels 0, 1 of slice 2, exactly the lesion there.
//     slice: TP 2, FP 0, FN 0 -> IoU 1, precision 1, recall 1, F1 1.
//     volume: TP 2, FP 0, FN 4 -> IoU 2/6 (the slice's share of the lesion), precision 1, recall 1/3, F1 4/8.
//   sample-1: 0.9 on voxel 0 of slice 2, where it has no lesion.
//     slice: TP 0, FP 1, FN 0 -> all 0 (recall of an empty reference is 0). volume: TP 0, FP 1, FN 1 -> all 0.
void write_2d_explanations(const std::string& path) {
  write_explanations(path, {{"method", "haics"}, {"split", "test"}, {"cam_dims", "2"}, {"cam_slice", "2"}},
                     volume_with({{8, 1.f}, {9, 1.f}}), volume_with({{8, 0.9f}}));
}

// A 3D method's file, scored on slice 2 as due-explain records it.
//   sample-0: 0.8 on the whole lesion and 0.55 on voxel 2 of slice 2 (outside it).
//     at 0.5, slice: TP 2, FP 1, FN 0 -> IoU 2/3, precision 2/3, recall 1, F1 4/5.
//             volume: TP 6, FP 1, FN 0 -> IoU 6/7, precision 6/7, recall 1, F1 12/13.
//     at 0.6 the 0.55 drops out: IoU 1 on the slice and on the volume.
//   sample-1: 0.7 on its lesion (voxel 0 of slice 0), nothing on slice 2.
//     slice: empty union -> all 0. volume: TP 1 -> all 1 (also at 0.6).
void write_3d_explanations(const std::string& path) {
  write_explanations(path, {{"method", "due"}, {"split", "test"}, {"cam_dims", "3"}, {"score_slice", "2"}},
                     volume_with({{4, .8f}, {5, .8f}, {8, .8f}, {9, .8f}, {10, .55f}, {12, .8f}, {13, .8f}}),
                     volume_with({{0, .7f}}));
}

double number(const nlohmann::json& node) { return node.get<double>(); }

std::size_t count_heat_pixels(const due::RgbImage& image, std::size_t x0, std::size_t y0, std::size_t size) {
  // The image is grey (r = g = b) and the contour pure green; the heat map blends colour into the grey.
  std::size_t count = 0;
  for (std::size_t y = y0; y < y0 + size; ++y)
    for (std::size_t x = x0; x < x0 + size; ++x) {
      const due::Rgb p = image.at(x, y);
      count += !(p.r == p.g && p.g == p.b) && !(p == due::kContourGreen);
    }
  return count;
}

}  // namespace

TEST_CASE("slice scoring: the scored slice is the middle one; a slice map fills its slice of a zero volume",
          "[slice-scoring]") {
  CHECK(due::middle_slice(4) == 2);
  CHECK(due::middle_slice(5) == 2);
  CHECK(due::middle_slice(1) == 0);
  const std::vector<float> map{0.25f, 0.5f, 0.75f, 1.f};
  const std::vector<float> volume = due::slice_map_in_volume(map.data(), kShape, 1);
  CHECK(volume == std::vector<float>{0, 0, 0, 0, 0.25f, 0.5f, 0.75f, 1.f, 0, 0, 0, 0, 0, 0, 0, 0});

  // The accumulator on the 2D case above: the slice and volume scores of sample-0, and the empty slice count.
  due::SliceVolumeAccumulator scores({0.0, 0.5}, 0.5, kShape, 2);
  std::vector<std::uint8_t> lesion(16, 0), corner(16, 0);
  for (std::size_t z : {1, 2, 3}) lesion[z * 4] = lesion[z * 4 + 1] = 1;
  corner[0] = 1;
  scores.add(volume_with({{8, 1.f}, {9, 1.f}}).data(), lesion.data());
  scores.add(volume_with({{8, 0.9f}}).data(), corner.data());
  CHECK(scores.on_slice().per_sample()[0].iou == Approx(1.0));
  CHECK(scores.on_volume().per_sample()[0].iou == Approx(2.0 / 6));
  CHECK(scores.on_volume().per_sample()[0].f1 == Approx(0.5));
  CHECK(scores.empty_slice_references() == 1);
  CHECK(scores.empty_volume_references() == 0);
  CHECK_THROWS_AS(due::SliceVolumeAccumulator({0.5}, 0.5, kShape, 4), std::invalid_argument);
}

TEST_CASE("due-evaluate: a 2D method is scored on its slice and every method on the slice and the volume",
          "[slice-scoring][evaluate]") {
  due::test::ScratchDir dir;
  write_dataset(dir.file("dataset.h5"));
  write_2d_explanations(dir.file("haics.h5"));
  write_3d_explanations(dir.file("due.h5"));
  const auto evaluate = [&](const std::string& name) {
    return run_command(tool_path("evaluate") + " --data " + dir.file("dataset.h5") + " --explanations " +
                       dir.file(name + ".h5") + " --out " + dir.file(name + ".json"));
  };

  const auto two_d = evaluate("haics");
  INFO(two_d.output);
  REQUIRE(two_d.exit_code == 0);
  // sample-1 has no lesion on slice 2: counted and said.
  CHECK_THAT(two_d.output, Contains("1 of 2 positive sample(s) have no reference on the scored slice 2"));
  const nlohmann::json haics = read_json(dir.file("haics.json"));
  INFO(haics.dump(1));
  const nlohmann::json& e = haics.at("explanation");
  CHECK(e.at("slice_index") == 2);
  CHECK(e.at("slice").at("empty_references") == 1);
  CHECK(e.at("volume").at("empty_references") == 0);
  // Means over the two positives (sample-0, sample-1).
  CHECK(number(e.at("slice").at("iou")) == Approx((1.0 + 0) / 2));
  CHECK(number(e.at("slice").at("recall")) == Approx((1.0 + 0) / 2));
  CHECK(number(e.at("volume").at("iou")) == Approx((2.0 / 6 + 0) / 2));
  CHECK(number(e.at("volume").at("precision")) == Approx((1.0 + 0) / 2));
  CHECK(number(e.at("volume").at("recall")) == Approx((1.0 / 3 + 0) / 2));
  CHECK(number(e.at("volume").at("f1")) == Approx((0.5 + 0) / 2));
  // The hand-worked case itself: a map that exactly covers the lesion on its slice.
  const nlohmann::json& sample0_slice = e.at("slice").at("per_sample").at(0);
  const nlohmann::json& sample0_volume = e.at("volume").at("per_sample").at(0);
  CHECK(sample0_slice.at("id") == "sample-0");
  CHECK(number(sample0_slice.at("iou")) == Approx(1.0));
  CHECK(number(sample0_volume.at("iou")) == Approx(2.0 / 6));

  REQUIRE(evaluate("due").exit_code == 0);
  const nlohmann::json due_metrics = read_json(dir.file("due.json"));
  const nlohmann::json& d = due_metrics.at("explanation");
  INFO(d.dump(1));
  CHECK(d.at("slice_index") == 2);
  CHECK(number(d.at("slice").at("iou")) == Approx((2.0 / 3 + 0) / 2));
  CHECK(number(d.at("slice").at("precision")) == Approx((2.0 / 3 + 0) / 2));
  CHECK(number(d.at("slice").at("recall")) == Approx((1.0 + 0) / 2));
  CHECK(number(d.at("slice").at("f1")) == Approx((0.8 + 0) / 2));
  CHECK(number(d.at("volume").at("iou")) == Approx((6.0 / 7 + 1) / 2));
  CHECK(number(d.at("volume").at("f1")) == Approx((12.0 / 13 + 1) / 2));
  // The sweep of each scoring; 0.6 is the 7th threshold of the default 0.0, 0.1, ..., 0.9.
  const nlohmann::json& slice_at = d.at("slice").at("sweep").at(6);
  const nlohmann::json& volume_at = d.at("volume").at("sweep").at(6);
  CHECK(number(slice_at.at("threshold")) == Approx(0.6));
  CHECK(number(slice_at.at("iou")) == Approx((1.0 + 0) / 2));
  CHECK(number(volume_at.at("iou")) == Approx(1.0));

  // metrics.csv names both scorings, their sweeps and the slice.
  std::map<std::string, std::string> csv = read_csv_row(dir.file("due.csv"));
  CHECK(csv["scored_slice"] == "2");
  CHECK(csv["empty_slice_references"] == "1");
  REQUIRE(!csv["iou_slice"].empty());
  CHECK(std::stod(csv["iou_slice"]) == Approx(1.0 / 3));
  REQUIRE(!csv["iou_volume"].empty());
  CHECK(std::stod(csv["iou_volume"]) == Approx(13.0 / 14));
  REQUIRE(!csv["recall_slice"].empty());
  CHECK(std::stod(csv["recall_slice"]) == Approx(0.5));
  REQUIRE(!csv["iou_slice@0.6"].empty());
  CHECK(std::stod(csv["iou_slice@0.6"]) == Approx(0.5));
  REQUIRE(!csv["iou_volume@0.6"].empty());
  CHECK(std::stod(csv["iou_volume@0.6"]) == Approx(1.0));
  csv = read_csv_row(dir.file("haics.csv"));
  REQUIRE(!csv["f1_volume"].empty());
  CHECK(std::stod(csv["f1_volume"]) == Approx(0.25));

  // The report names both, and says which one the paper's Table 1 is.
  const auto report = run_command(tool_path("evaluate") + " --report --metrics " + dir.file("haics.json") + " " +
                                  dir.file("due.json") + " --out " + dir.file("report.md"));
  INFO(report.output);
  REQUIRE(report.exit_code == 0);
  std::string md = due::test::read_text(dir.file("report.md"));
  // Cells compared without the bold marks, which rules of their own decide.
  md.erase(std::remove(md.begin(), md.end(), '*'), md.end());
  CHECK_THAT(md, Contains("| IoU (slice) |") && Contains("| IoU (volume) |") && Contains("Exp. recall (slice)"));
  // haics: slice IoU 0.5, precision 0.5, recall 0.5, F1 0.5, then volume 1/6, 1/2, 1/6, 1/4.
  CHECK_THAT(md, Contains("0.500 | 0.500 | 0.500 | 0.500 | 0.167 | 0.500 | 0.167 | 0.250 |"));
  CHECK_THAT(md, Contains("paper's Table 1") && Contains("on one footing"));
}

TEST_CASE("due-evaluate: an explanations file that does not say its scored slice exits 2", "[slice-scoring][evaluate]") {
  due::test::ScratchDir dir;
  write_dataset(dir.file("dataset.h5"));
  // A 3D method's file from before slice scoring: no score_slice, no cam_slice. Evaluation does not guess.
  write_explanations(dir.file("old.h5"), {{"method", "due"}, {"split", "test"}, {"cam_dims", "3"}},
                     std::vector<float>(16, 0.f), std::vector<float>(16, 0.f));
  const auto result = run_command(tool_path("evaluate") + " --data " + dir.file("dataset.h5") + " --explanations " +
                                  dir.file("old.h5") + " --out " + dir.file("metrics.json"));
  CHECK(result.exit_code == 2);
  CHECK_THAT(result.output, Contains("old.h5") && Contains("score_slice") && Contains("due-explain"));
  // A scored slice outside the volume, or one that is not the slice a 2D map fills, is refused too.
  write_explanations(dir.file("outside.h5"), {{"method", "due"}, {"cam_dims", "3"}, {"score_slice", "4"}},
                     std::vector<float>(16, 0.f), std::vector<float>(16, 0.f));
  write_explanations(dir.file("disagree.h5"), {{"method", "haics"}, {"cam_slice", "2"}, {"score_slice", "1"}},
                     std::vector<float>(16, 0.f), std::vector<float>(16, 0.f));
  for (const char* name : {"outside.h5", "disagree.h5"}) {
    const auto refused = run_command(tool_path("evaluate") + " --data " + dir.file("dataset.h5") +
                                     " --explanations " + dir.file(name) + " --out " + dir.file("metrics.json"));
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.output, Contains(name) && Contains("score_slice"));
  }
  CHECK(dir.entries() == std::vector<std::string>{"dataset.h5", "disagree.h5", "old.h5", "outside.h5"});
}

TEST_CASE("due-evaluate --report: an old (version 1) metrics file is read, its slice columns n/a",
          "[slice-scoring][report]") {
  due::test::ScratchDir dir;
  due::test::write_text(dir.file("old.json"), R"({
  "schema": "due-metrics", "schema_version": 1,
  "tags": {"dataset": "phantom", "method": "gradia", "seed": "1", "split": "test"},
  "inputs": {"dataset": "gone/dataset.h5", "explanations": "gone/explanations.h5"},
  "classification": {"samples": 4, "positives": 2, "accuracy": 0.75, "roc_auc": 1.0, "average_precision": 1.0,
                     "pr_auc_trapezoid": 1.0, "precision": 1.0, "recall": 0.5, "f1": 0.6, "specificity": 1.0,
                     "confusion": {"true_positive": 1, "false_positive": 0, "true_negative": 2, "false_negative": 1}},
  "explanation": {"threshold": 0.5, "samples": 2, "iou": 0.034, "precision": 0.5, "recall": 0.034, "f1": 0.06,
                  "sweep": [{"threshold": 0.0, "iou": 0.1, "precision": 0.2, "recall": 0.3, "f1": 0.4},
                            {"threshold": 0.5, "iou": 0.034, "precision": 0.5, "recall": 0.034, "f1": 0.06}],
                  "per_sample": []},
  "provenance": {"tool": "due-evaluate", "version": "0", "git_hash": "old", "seed": 1, "config": "",
                 "command_line": "", "created": ""}
})");
  const auto result = run_command(tool_path("evaluate") + " --report --metrics " + dir.file("old.json") + " --out " +
                                  dir.file("report.md"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  const std::string md = due::test::read_text(dir.file("report.md"));
  // Its explanation scores were volume scores: they land in the volume columns, the slice ones are n/a.
  CHECK_THAT(md, Contains("| gradia | 1 | 0.750 | 1.000 | 1.000 | 1.000 | n/a | n/a | n/a | n/a | 0.034 | 0.500 | 0.034 | 0.060 |"));
}

TEST_CASE("report Fig. 4: every method's map is drawn on the slice it is scored on", "[slice-scoring][report]") {
  due::test::ScratchDir dir;
  // 8 slices of 8 x 8: scored slice 4. The lesion (a 4 x 4 square) spans slices 0..4, so the slice through the
  // middle of the reference is 2, where a 2D method's map (slice 4 only) is zero.
  const due::VolumeShape shape{8, 8, 8};
  const due::DatasetLayout layout{shape, 1};
  due::Provenance provenance = due::make_provenance("due-preprocess");
  provenance.config_yaml = "preprocess:\n  source: phantom\n";
  std::vector<std::uint8_t> lesion(shape.voxels(), 0);
  for (std::size_t z = 0; z <= 4; ++z)
    for (std::size_t y = 2; y < 6; ++y)
      for (std::size_t x = 2; x < 6; ++x) lesion[(z * 8 + y) * 8 + x] = 1;
  {
    due::DatasetWriter writer(dir.file("dataset.h5"), layout, provenance, "montage", 1);
    for (std::size_t i = 0; i < 2; ++i) {
      due::DatasetSample sample = due::test::make_test_sample(layout, i);
      sample.image.assign(shape.voxels(), 0.5f);
      sample.label = static_cast<std::uint8_t>(1 - i);
      sample.split = 2;
      sample.mask = i == 0 ? lesion : std::vector<std::uint8_t>(shape.voxels(), 0);
      writer.append(sample);
    }
    writer.commit();
  }
  const std::vector<float> lesion_map(lesion.begin(), lesion.end());
  std::vector<float> slice_map(64, 0.f);
  std::copy(lesion_map.begin() + 4 * 64, lesion_map.begin() + 5 * 64, slice_map.begin());
  const auto write = [&](const std::string& name, const due::FileAttributes& attributes, const std::vector<float>& cam) {
    due::ExplanationWriter writer(dir.file(name + ".h5"), shape, due::make_provenance("due-explain"), attributes, 1);
    writer.append({"sample-0", 1, {0.1f, 0.9f}, 1, cam});
    writer.append({"sample-1", 0, {0.9f, 0.1f}, 0, std::vector<float>(shape.voxels(), 0.f)});
    writer.commit();
  };
  write("haics", {{"method", "haics"}, {"cam_dims", "2"}, {"cam_slice", "4"}, {"score_slice", "4"}},
        due::slice_map_in_volume(slice_map.data(), shape, 4));
  write("due", {{"method", "due"}, {"cam_dims", "3"}, {"score_slice", "4"}}, lesion_map);
  for (const std::string name : {"haics", "due"}) {
    const auto evaluated = run_command(tool_path("evaluate") + " --data " + dir.file("dataset.h5") +
                                       " --explanations " + dir.file(name + ".h5") + " --tag method=" + name +
                                       " --out " + dir.file(name + ".json"));
    INFO(evaluated.output);
    REQUIRE(evaluated.exit_code == 0);
  }
  const auto report = run_command(tool_path("evaluate") + " --report --metrics " + dir.file("haics.json") + " " +
                                  dir.file("due.json") + " --out " + dir.file("report.md"));
  INFO(report.output);
  REQUIRE(report.exit_code == 0);
  const std::string md = due::test::read_text(dir.file("report.md"));
  INFO(md);
  REQUIRE_THAT(md, Contains("](report-fig4-montage-phantom.png)"));
  const due::RgbImage figure = due::read_png(dir.file("report-fig4-montage-phantom.png"));
  // A 28-pixel strip of column names, then one row, three 256-pixel panels (8 voxels x 32) with 4-pixel gaps: the
  // reference, haics, due (the paper's order puts the 2D baselines before DUE); then the 16-pixel colour key, a
  // 4-pixel margin and the key's 44-pixel value labels.
  REQUIRE(figure.width() == 4 + 3 * (256 + 4) + 16 + 4 + 44);
  REQUIRE(figure.height() == 28 + 4 + 256 + 4);
  const std::size_t top = 28 + 4;
  CHECK(count_heat_pixels(figure, 4, top, 256) == 0);  // the reference panel has no map
  // Each map covers the 4 x 4 lesion square: 128 x 128 pixels, less the green contour drawn over it.
  const std::size_t haics_heat = count_heat_pixels(figure, 4 + 260, top, 256);
  const std::size_t due_heat = count_heat_pixels(figure, 4 + 2 * 260, top, 256);
  CHECK(haics_heat > 128 * 128 / 2);
  CHECK(haics_heat == due_heat);
  CHECK_THAT(md, Contains("depth index 4"));
}

TEST_CASE("training log: validation IoU by due-evaluate's rule, on the slice and on the volume",
          "[slice-scoring][classifier-tools]") {
  due::test::ScratchDir dir;
  due::test::small_phantom_dataset(dir);
  // One epoch, so the kept model is the one validated in the log; due-explain then writes the validation split's
  // maps in the same batches, and due-evaluate scores them: the log's two columns must be its two IoUs.
  for (const std::string method : {"baseline", "haics"}) {
    INFO(method);
    const auto trained = run_command(tool_path("train-classifier") +
                                     " --threads 1 --seed 3 --set classifier.width=2 --set classifier.batch_size=4"
                                     " --epochs 1 --data " + dir.file("dataset.h5") + " --method " + method +
                                     " --out " + dir.file(method + ".pt"));
    INFO(trained.output);
    REQUIRE(trained.exit_code == 0);
    const std::map<std::string, std::string> log = read_csv_row(dir.file(method + ".pt.log.csv"));
    REQUIRE(log.count("val_iou_slice") == 1);
    REQUIRE(log.count("val_iou_volume") == 1);
    CHECK(log.count("val_explanation_iou") == 0);
    const auto explained = run_command(tool_path("explain") + " --threads 1 --set explain.split=validation" +
                                       " --set explain.batch_size=16 --data " + dir.file("dataset.h5") + " --model " +
                                       dir.file(method + ".pt") + " --out " + dir.file(method + "-validation.h5"));
    INFO(explained.output);
    REQUIRE(explained.exit_code == 0);
    const due::ExplanationReader explanations(dir.file(method + "-validation.h5"));
    CHECK(explanations.attribute("score_slice") == "4");  // the middle of 8 slices, for 2D and 3D alike
    const auto evaluated = run_command(tool_path("evaluate") + " --data " + dir.file("dataset.h5") +
                                       " --explanations " + dir.file(method + "-validation.h5") + " --out " +
                                       dir.file(method + ".json"));
    INFO(evaluated.output);
    REQUIRE(evaluated.exit_code == 0);
    const nlohmann::json metrics = read_json(dir.file(method + ".json"));
    const nlohmann::json& e = metrics.at("explanation");
    REQUIRE(e.at("samples").get<std::size_t>() > 0);
    CHECK(std::stod(log.at("val_iou_slice")) == Approx(number(e.at("slice").at("iou"))).margin(1e-7));
    CHECK(std::stod(log.at("val_iou_volume")) == Approx(number(e.at("volume").at("iou"))).margin(1e-7));
  }
}
