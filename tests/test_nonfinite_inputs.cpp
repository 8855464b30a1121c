#include <catch2/catch.hpp>

#include <H5Cpp.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "io/stage_files.h"
#include "nn/finite_loss.h"
#include "support.h"
#include "util/errors.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

const due::VolumeShape kShape{4, 3, 2};  // 24 voxels
// The element poked in each row: voxel (z, y, x) = (2, 0, 1) of a volume, of rater slot 1 in a per-rater column.
constexpr std::size_t kVoxel = 13;
constexpr std::size_t kRaters = 2;

std::vector<float> ones(std::size_t n) { return std::vector<float>(n, 1.f); }

// Two clean rows, 'a' and 'b', in each stage file; the per-rater columns filled too.
void write_stage_files(const due::test::ScratchDir& dir) {
  const due::Provenance provenance = due::make_provenance("due-test");
  const std::vector<std::uint8_t> slices{1, 0, 0, 1};
  due::VarianceWriter variance(dir.file("variance.h5"), kShape, provenance, {}, 1);
  due::AnnotationWriter annotations(dir.file("annotations.h5"), kShape, provenance, {}, 1, kRaters);
  due::ExplanationWriter explanations(dir.file("explanations.h5"), kShape, provenance, {}, 1);
  for (const char* id : {"a", "b"}) {
    variance.append({id, ones(24), ones(24), slices});
    due::AnnotationRow row;
    row.id = id;
    row.annotation = row.weight = ones(24);
    row.annotated_slices = slices;
    row.rater_annotation = row.rater_weight = ones(kRaters * 24);
    row.rater_present = {1, 1};
    annotations.append(row);
    explanations.append({id, 1, {0.25f, 0.75f}, 1, ones(24)});
  }
  variance.commit();
  annotations.commit();
  explanations.commit();
}

// Writes `value` over one element of one row, with the HDF5 library itself: what a damaged or hand-made file holds.
void poke(const std::string& path, const std::string& column, std::size_t row, std::size_t element, float value) {
  H5::Exception::dontPrint();
  H5::H5File file(path, H5F_ACC_RDWR);
  H5::DataSet dataset = file.openDataSet(column);
  H5::DataSpace space = dataset.getSpace();
  std::vector<hsize_t> dims(static_cast<std::size_t>(space.getSimpleExtentNdims()));
  space.getSimpleExtentDims(dims.data());
  std::vector<hsize_t> at(dims.size());
  at[0] = row;
  for (std::size_t d = dims.size(); d-- > 1;) {
    at[d] = element % dims[d];
    element /= dims[d];
  }
  space.selectElements(H5S_SELECT_SET, 1, at.data());
  const hsize_t one = 1;
  dataset.write(&value, H5::PredType::NATIVE_FLOAT, H5::DataSpace(1, &one), space);
}

std::string read_error(const std::function<void()>& read) {
  try {
    read();
  } catch (const due::InputError& e) {
    return e.what();
  }
  return "read without error";
}

}  // namespace

TEST_CASE("non-finite inputs: every float column of a stage file is refused when its row is read", "[nonfinite]") {
  due::test::ScratchDir dir;
  write_stage_files(dir);
  struct Column {
    const char* file;
    const char* name;
    std::size_t element;
    const char* position;
  };
  const std::vector<Column> columns{
      {"variance.h5", "mean", kVoxel, "at voxel (z, y, x) = (2, 0, 1)"},
      {"variance.h5", "variance", kVoxel, "at voxel (z, y, x) = (2, 0, 1)"},
      {"annotations.h5", "annotation", kVoxel, "at voxel (z, y, x) = (2, 0, 1)"},
      {"annotations.h5", "weight", kVoxel, "at voxel (z, y, x) = (2, 0, 1)"},
      {"annotations.h5", "rater_annotation", 24 + kVoxel, "at index 1, voxel (z, y, x) = (2, 0, 1)"},
      {"annotations.h5", "rater_weight", 24 + kVoxel, "at index 1, voxel (z, y, x) = (2, 0, 1)"},
      {"explanations.h5", "probability", 1, "at index 1"},
      {"explanations.h5", "cam", kVoxel, "at voxel (z, y, x) = (2, 0, 1)"},
  };
  for (const Column& column : columns) {
    for (const float value : {std::nanf(""), -INFINITY}) {
      const std::string kind = std::isnan(value) ? "NaN" : "an infinite value";
      const std::string poisoned =
          dir.file(std::string(column.name) + (std::isnan(value) ? "-nan-" : "-inf-") + column.file);
      std::filesystem::copy_file(dir.file(column.file), poisoned);
      poke(poisoned, column.name, 1, column.element, value);
      const std::function<void(std::size_t)> read_row = [&](std::size_t row) {
        if (std::string(column.file) == "variance.h5") due::VarianceReader(poisoned).read(row);
        if (std::string(column.file) == "annotations.h5") due::AnnotationReader(poisoned).read(row);
        if (std::string(column.file) == "explanations.h5") due::ExplanationReader(poisoned).read(row);
      };
      INFO(poisoned);
      // Opening reads no volume; the clean row still reads.
      CHECK(read_error([&] { read_row(0); }) == "read without error");
      CHECK_THAT(read_error([&] { read_row(1); }),
                 Contains(poisoned + ": '/" + column.name + "' row 1 (sample 'b') has " + kind + " " +
                          column.position));
    }
  }
  // The whole-column read of due-evaluate's classification metrics is held to the same rule.
  const std::string probabilities = dir.file("probability-nan-explanations.h5");
  CHECK_THAT(read_error([&] { due::ExplanationReader(probabilities).probabilities(); }),
             Contains("'/probability' row 1 (sample 'b') has NaN at index 1"));
}

TEST_CASE("non-finite inputs: the loss guard passes finite values and names the step and term of others",
          "[nonfinite]") {
  CHECK(due::finite_loss(torch::tensor(0.5), "kl", "step 7") == 0.5);
  CHECK_THROWS_MATCHES(due::finite_loss(torch::tensor(std::nan("")), "kl", "step 7"), due::InputError,
                       Catch::Matchers::Message(
                           "training stopped at step 7: the loss term 'kl' is NaN (non-finite inputs, or a learning "
                           "rate too high); no model written"));
  CHECK_THROWS_WITH(due::finite_loss(torch::tensor(INFINITY), "weighted_l1", "epoch 3, batch 2"),
                    Contains("at epoch 3, batch 2") && Contains("'weighted_l1' is infinite"));
}

TEST_CASE("non-finite inputs: due-train-np-vae on a variance.h5 with a NaN row exits 2 with one line, writing nothing",
          "[nonfinite]") {
  due::test::ScratchDir dir;
  const std::string dataset = due::test::small_phantom_dataset(dir);
  const std::string variance = dir.file("variance.h5");
  due::test::write_blend_variance(dataset, variance);
  // A training positive: the rows the NP-VAE learns from.
  std::string id;
  const due::DatasetReader reader(dataset);
  for (std::size_t i = 0; i < reader.size() && id.empty(); ++i) {
    const due::DatasetSample s = reader.read(i);
    if (s.label == 1 && s.split == due::kTrain) id = s.id;
  }
  REQUIRE_FALSE(id.empty());
  const std::size_t row = due::VarianceReader(variance).require(id);
  poke(variance, "variance", row, 5, std::nanf(""));

  const auto run = run_command(tool_path("train-np-vae") + " --threads 1 --data " + dataset + " --variance " +
                               variance + " --set npvae.steps=5 --out " + dir.file("npvae.pt"));
  INFO(run.output);
  CHECK(run.exit_code == 2);
  CHECK_THAT(run.output, Contains(variance + ": '/variance' row " + std::to_string(row) + " (sample '" + id +
                                  "') has NaN at voxel (z, y, x) = (0, 0, 5)"));
  CHECK(std::count(run.output.begin(), run.output.end(), '\n') == 1);
  // No model, no checkpoint, no log, no temporary file.
  CHECK(dir.entries() == std::vector<std::string>{"dataset.h5", "variance.h5"});
}
