#include <catch2/catch.hpp>

#include <H5Cpp.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "io/dataset_store.h"
#include "support.h"
#include "util/errors.h"

using Catch::Matchers::Contains;
using due::DatasetLayout;
using due::DatasetReader;
using due::DatasetWriter;
using due::InputError;

namespace {

const DatasetLayout kLayout{due::VolumeShape{4, 5, 6}, 2};

due::Provenance test_provenance() {
  due::Provenance p = due::make_provenance("due-test");
  p.seed = 42;
  p.config_yaml = "seed: 42\npreprocess:\n  source: phantom\n";
  p.command_line = "due-test --seed 42";
  return p;
}

void write_samples(const std::string& path, std::size_t n, int gzip = 4) {
  DatasetWriter writer(path, kLayout, test_provenance(), "unit test source", gzip);
  for (std::size_t i = 0; i < n; ++i) writer.append(due::test::make_test_sample(kLayout, i));
  writer.commit();
}

void require_same(const due::DatasetSample& a, const due::DatasetSample& b) {
  CHECK(a.id == b.id);
  CHECK(a.patient == b.patient);
  CHECK(a.label == b.label);
  CHECK(a.split == b.split);
  CHECK(a.image == b.image);
  CHECK(a.mask == b.mask);
  CHECK(a.raters == b.raters);
  CHECK(a.rater_present == b.rater_present);
  CHECK(a.annotated_slices == b.annotated_slices);
  CHECK(a.spacing == b.spacing);
}

// Opens the file for editing with the HDF5 library itself, to damage it in precise ways.
H5::H5File edit(const std::string& path) {
  H5::Exception::dontPrint();
  return H5::H5File(path, H5F_ACC_RDWR);
}

std::string open_error(const std::string& path) {
  try {
    DatasetReader reader(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "opened without error";
}

}  // namespace

TEST_CASE("dataset store: every column and attribute survives a round trip", "[store]") {
  due::test::ScratchDir dir;
  const std::string path = dir.file("dataset.h5");
  write_samples(path, 5);
  const DatasetReader reader(path);
  REQUIRE(reader.size() == 5);
  CHECK(reader.layout().shape == kLayout.shape);
  CHECK(reader.layout().raters == 2);
  for (std::size_t i = 0; i < 5; ++i) require_same(reader.read(i), due::test::make_test_sample(kLayout, i));

  const auto batch = reader.read_batch({4, 1, 3});
  REQUIRE(batch.size() == 3);
  require_same(batch[0], due::test::make_test_sample(kLayout, 4));
  require_same(batch[1], due::test::make_test_sample(kLayout, 1));

  CHECK(reader.ids() == std::vector<std::string>{"sample-0", "sample-1", "sample-2", "sample-3", "sample-4"});
  CHECK(reader.patients()[3] == "patient-1-é");
  CHECK(reader.labels() == std::vector<std::uint8_t>{0, 1, 0, 1, 0});
  CHECK(reader.splits() == std::vector<std::uint8_t>{0, 1, 2, 3, 0});
  CHECK(reader.indices_of_split(due::kValidation) == std::vector<std::size_t>{1});
  const auto slices = reader.annotated_slices();
  REQUIRE(slices.size() == 5 * 4);
  CHECK(std::vector<std::uint8_t>(slices.begin() + 4, slices.begin() + 8) ==
        due::test::make_test_sample(kLayout, 1).annotated_slices);
  CHECK(reader.spacing()[3 * 2] == 3.0f);
  CHECK(reader.rater_present() == std::vector<std::uint8_t>{0, 1, 1, 0, 0, 1, 1, 0, 0, 1});

  const due::Provenance p = reader.provenance();
  CHECK(p.tool == "due-test");
  CHECK(p.seed == 42);
  CHECK(p.config_yaml == test_provenance().config_yaml);
  CHECK(p.command_line == "due-test --seed 42");
  CHECK(!p.git_hash.empty());
  CHECK(!p.version.empty());
  CHECK(reader.source_description() == "unit test source");
  CHECK(reader.file().string_attribute("schema") == "due-dataset");
  CHECK(reader.file().int_attribute("schema_version") == due::kDatasetSchemaVersion);
}

TEST_CASE("dataset store: volumes are chunked one sample per chunk and compressed", "[store]") {
  due::test::ScratchDir dir;
  const std::string path = dir.file("dataset.h5");
  write_samples(path, 3, 4);
  H5::H5File file(path, H5F_ACC_RDONLY);
  for (const char* name : {"image", "mask", "raters"}) {
    const H5::DataSet dataset = file.openDataSet(name);
    const H5::DSetCreatPropList properties = dataset.getCreatePlist();
    REQUIRE(properties.getLayout() == H5D_CHUNKED);
    hsize_t chunk[5] = {0, 0, 0, 0, 0};
    const int rank = properties.getChunk(5, chunk);
    CHECK(chunk[0] == 1);
    CHECK(chunk[rank - 1] == 6);
    bool has_deflate = false;
    for (int f = 0; f < properties.getNfilters(); ++f) {
      unsigned flags = 0, config = 0;
      std::size_t n = 0;
      char name_buffer[64];
      if (properties.getFilter(f, flags, n, nullptr, sizeof name_buffer, name_buffer, config) == H5Z_FILTER_DEFLATE)
        has_deflate = true;
    }
    CHECK(has_deflate);
  }
}

TEST_CASE("dataset store: an empty dataset is valid", "[store]") {
  due::test::ScratchDir dir;
  write_samples(dir.file("empty.h5"), 0);
  const DatasetReader reader(dir.file("empty.h5"));
  CHECK(reader.size() == 0);
  CHECK(reader.ids().empty());
  CHECK(reader.layout().shape == kLayout.shape);
}

TEST_CASE("dataset store: damaged files are rejected with one clear line", "[store]") {
  due::test::ScratchDir dir;
  const std::string good = dir.file("good.h5");
  write_samples(good, 4);
  const auto copy = [&](const std::string& name) {
    const std::string path = dir.file(name);
    std::filesystem::copy_file(good, path);
    return path;
  };

  SECTION("missing file") { CHECK_THAT(open_error(dir.file("nope.h5")), Contains("nope.h5: no such file")); }
  SECTION("not HDF5 at all") {
    const std::string path = dir.file("text.h5");
    due::test::write_text(path, std::string(4096, 'x'));
    CHECK_THAT(open_error(path), Contains("text.h5: not an HDF5 file"));
  }
  SECTION("truncated") {
    const std::string path = dir.file("truncated.h5");
    const std::string bytes = due::test::read_text(good);
    due::test::write_text(path, bytes.substr(0, bytes.size() / 2));
    CHECK_THAT(open_error(path), Contains("truncated.h5") && Contains("truncated or corrupted"));
  }
  SECTION("missing dataset") {
    const std::string path = copy("missing.h5");
    edit(path).unlink("mask");
    CHECK_THAT(open_error(path), Contains("missing.h5: missing dataset '/mask'"));
  }
  SECTION("wrong shape") {
    const std::string path = copy("shape.h5");
    {
      H5::H5File file = edit(path);
      file.unlink("annotated_slices");
      const hsize_t dims[2] = {4, 7};
      file.createDataSet("annotated_slices", H5::PredType::STD_U8LE, H5::DataSpace(2, dims));
    }
    CHECK_THAT(open_error(path), Contains("shape.h5: dataset '/annotated_slices' has shape [N,7]") &&
                                     Contains("implies [N,4]"));
  }
  SECTION("wrong row count") {
    const std::string path = copy("rows.h5");
    {
      H5::H5File file = edit(path);
      file.unlink("label");
      const hsize_t dims[1] = {3};
      file.createDataSet("label", H5::PredType::STD_U8LE, H5::DataSpace(1, dims));
    }
    CHECK_THAT(open_error(path), Contains("rows.h5: dataset '/label' has shape [3], expected [4]"));
  }
  SECTION("wrong element type") {
    const std::string path = copy("type.h5");
    {
      H5::H5File file = edit(path);
      file.unlink("label");
      const hsize_t dims[1] = {4};
      file.createDataSet("label", H5::PredType::IEEE_F64LE, H5::DataSpace(1, dims));
    }
    CHECK_THAT(open_error(path), Contains("type.h5: dataset '/label' does not hold uint8 values"));
  }
  SECTION("another schema version") {
    const std::string path = copy("version.h5");
    {
      H5::H5File file = edit(path);
      H5::Attribute attribute = file.openAttribute("schema_version");
      const std::int64_t future = due::kDatasetSchemaVersion + 1;
      attribute.write(H5::PredType::NATIVE_INT64, &future);
    }
    CHECK_THAT(open_error(path), Contains("version.h5: schema 'due-dataset' version 2, this build reads version 1"));
  }
  SECTION("another schema") {
    const std::string path = copy("schema.h5");
    {
      H5::H5File file = edit(path);
      file.removeAttr("schema");
      const H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
      file.createAttribute("schema", type, H5::DataSpace(H5S_SCALAR)).write(type, H5std_string("due-variance"));
    }
    CHECK_THAT(open_error(path), Contains("schema.h5: holds schema 'due-variance', expected 'due-dataset'"));
  }
  SECTION("no schema attribute") {
    const std::string path = copy("plain.h5");
    edit(path).removeAttr("schema");
    CHECK_THAT(open_error(path), Contains("plain.h5: not a due 'due-dataset' file"));
  }
  SECTION("a label outside 0/1 and a split code outside 0-3") {
    const std::string label_path = copy("label7.h5");
    {
      H5::DataSet label = edit(label_path).openDataSet("label");
      const std::uint8_t codes[4] = {0, 1, 7, 0};
      label.write(codes, H5::PredType::NATIVE_UINT8);
    }
    CHECK_THAT(open_error(label_path), Contains("label7.h5: '/label' row 2 is 7 (a label is 0 or 1)"));
    const std::string split_path = copy("split9.h5");
    {
      H5::DataSet split = edit(split_path).openDataSet("split");
      const std::uint8_t codes[4] = {0, 9, 2, 3};
      split.write(codes, H5::PredType::NATIVE_UINT8);
    }
    CHECK_THAT(open_error(split_path), Contains("split9.h5: '/split' row 1 is 9"));
  }
  SECTION("a flag other than 0/1 in /annotated_slices or /rater_present") {
    const auto flagged = [&](const std::string& name, const char* column, std::size_t per_row, std::size_t at) {
      const std::string path = copy(name);
      {
        H5::DataSet flags = edit(path).openDataSet(column);
        std::vector<std::uint8_t> all(4 * per_row);
        flags.read(all.data(), H5::PredType::NATIVE_UINT8);
        all[at] = 5;
        flags.write(all.data(), H5::PredType::NATIVE_UINT8);
      }
      return open_error(path);
    };
    CHECK(flagged("slices5.h5", "annotated_slices", 4, 2 * 4 + 3) ==
          dir.file("slices5.h5") +
              ": '/annotated_slices' row 2 (sample 'sample-2') holds 5 at index 3 (a flag is 0 or 1)");
    CHECK(flagged("present5.h5", "rater_present", 2, 1 * 2 + 0) ==
          dir.file("present5.h5") +
              ": '/rater_present' row 1 (sample 'sample-1') holds 5 at index 0 (a flag is 0 or 1)");
  }
  SECTION("a NaN or an infinity in an image") {
    const auto poisoned = [&](const std::string& name, float value, std::size_t row, std::size_t z, std::size_t y,
                              std::size_t x) {
      const std::string path = copy(name);
      {
        H5::DataSet image = edit(path).openDataSet("image");
        std::vector<float> all(4 * kLayout.shape.voxels());
        image.read(all.data(), H5::PredType::NATIVE_FLOAT);
        all[row * kLayout.shape.voxels() + (z * 5 + y) * 6 + x] = value;
        image.write(all.data(), H5::PredType::NATIVE_FLOAT);
      }
      const DatasetReader reader(path);  // opening reads no image
      std::string message = "read without error";
      for (std::size_t i = 0; i < reader.size(); ++i) {
        try {
          reader.read(i);
        } catch (const InputError& e) {
          message = e.what();
          break;
        }
      }
      return message;
    };
    CHECK_THAT(poisoned("nan.h5", std::nanf(""), 2, 3, 1, 4),
               Contains("nan.h5: '/image' row 2") && Contains("NaN at voxel (z, y, x) = (3, 1, 4)"));
    CHECK_THAT(poisoned("inf.h5", INFINITY, 0, 0, 4, 5),
               Contains("inf.h5: '/image' row 0") && Contains("an infinite value at voxel (z, y, x) = (0, 4, 5)"));
  }
  SECTION("corrupted volume data") {
    // Overwrite the middle of the file, where the compressed image chunks are: opening may still succeed,
    // but reading every sample must then end in an InputError, never in a crash or silent garbage.
    const std::string path = copy("corrupt.h5");
    std::string bytes = due::test::read_text(path);
    for (std::size_t i = bytes.size() * 2 / 5; i < bytes.size() * 3 / 5; ++i) bytes[i] = static_cast<char>(0xA5);
    due::test::write_text(path, bytes);
    bool rejected = false;
    try {
      const DatasetReader reader(path);
      for (std::size_t i = 0; i < reader.size(); ++i) reader.read(i);
    } catch (const InputError& e) {
      rejected = true;
      CHECK_THAT(e.what(), Contains("corrupt.h5"));
    }
    CHECK(rejected);
  }
}

namespace {

// Sets (or, given nullptr, unsets) an environment variable for one scope, restoring what was there before.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value)
      ::setenv(name, value, 1);
    else
      ::unsetenv(name);
  }
  ~ScopedEnvironment() {
    if (old_)
      ::setenv(name_.c_str(), old_->c_str(), 1);
    else
      ::unsetenv(name_.c_str());
  }
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("provenance: the SLURM job and step of the environment reach the HDF5 file", "[store][provenance]") {
  due::test::ScratchDir dir;
  {
    ScopedEnvironment job("SLURM_JOB_ID", "4242");
    ScopedEnvironment step("SLURM_STEP_ID", "7");
    write_samples(dir.file("in-job.h5"), 1);
  }
  {
    ScopedEnvironment job("SLURM_JOB_ID", nullptr);
    ScopedEnvironment step("SLURM_STEP_ID", nullptr);
    write_samples(dir.file("outside.h5"), 1);
  }
  const due::Provenance in_job = DatasetReader(dir.file("in-job.h5")).provenance();
  CHECK(in_job.slurm_job_id == "4242");
  CHECK(in_job.slurm_step_id == "7");
  CHECK(DatasetReader(dir.file("in-job.h5")).file().string_attribute("slurm_job_id") == "4242");
  const due::Provenance outside = DatasetReader(dir.file("outside.h5")).provenance();
  CHECK(outside.slurm_job_id.empty());
  CHECK(outside.slurm_step_id.empty());
  CHECK(outside.tool == "due-test");
}

TEST_CASE("provenance: a file written before the SLURM fields existed still reads, with them empty",
          "[store][provenance]") {
  due::test::ScratchDir dir;
  {
    ScopedEnvironment job("SLURM_JOB_ID", "11");
    ScopedEnvironment step("SLURM_STEP_ID", "0");
    write_samples(dir.file("old.h5"), 2);
  }
  {  // What an older toolkit wrote: the same file without the two attributes.
    H5::H5File file(dir.file("old.h5"), H5F_ACC_RDWR);
    file.removeAttr("slurm_job_id");
    file.removeAttr("slurm_step_id");
  }
  DatasetReader reader(dir.file("old.h5"));
  const due::Provenance p = reader.provenance();
  CHECK(p.slurm_job_id.empty());
  CHECK(p.slurm_step_id.empty());
  CHECK(p.seed == 42);
  CHECK(p.command_line == "due-test --seed 42");
  CHECK(reader.size() == 2);
}
