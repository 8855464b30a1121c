#pragma once
// dataset.h5: the prepared samples every later stage reads (layout in docs/dataset-format.md).
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/h5_sample_file.h"

namespace due {

inline constexpr const char* kDatasetSchema = "due-dataset";
inline constexpr int kDatasetSchemaVersion = 1;

enum Split : std::uint8_t { kTrain = 0, kValidation = 1, kTest = 2, kUnused = 3 };
const char* split_name(std::uint8_t split);

struct VolumeShape {
  std::size_t depth = 0, height = 0, width = 0;
  std::size_t voxels() const { return depth * height * width; }
  bool operator==(const VolumeShape& o) const { return depth == o.depth && height == o.height && width == o.width; }
};

struct DatasetLayout {
  VolumeShape shape;
  std::size_t raters = 0;  // R, may be 0
};

struct DatasetSample {
  std::string id;
  std::string patient;
  std::uint8_t label = 0;
  std::uint8_t split = kTrain;
  std::vector<float> image;                     // D*H*W, intensity in [0, 1]
  std::vector<std::uint8_t> mask;               // D*H*W, consensus reference
  std::vector<std::uint8_t> raters;             // R*D*H*W
  std::vector<std::uint8_t> rater_present;      // R
  std::vector<std::uint8_t> annotated_slices;   // D
  std::array<float, 3> spacing{1.f, 1.f, 1.f};  // mm, (z, y, x)
};

class DatasetWriter {
 public:
  DatasetWriter(const std::string& final_path, const DatasetLayout& layout, const Provenance& provenance,
                const std::string& source_description, int gzip_level);
  // Checks the sample against the layout (std::logic_error when a producer got it wrong).
  void append(const DatasetSample& sample);
  std::size_t size() const { return writer_.rows(); }
  // Replaces the split codes of every sample written so far (one per sample).
  void set_splits(const std::vector<std::uint8_t>& splits);
  // A root attribute beside the provenance (e.g. a shard's marks, data/shards.h).
  void set_attribute(const std::string& name, const std::string& value) { writer_.set_attribute(name, value); }
  void set_attribute(const std::string& name, std::int64_t value) { writer_.set_attribute(name, value); }
  void finish() { writer_.finish(); }  // see SampleFileWriter::finish
  void commit() { writer_.commit(); }

 private:
  DatasetLayout layout_;
  SampleFileWriter writer_;
};

// A shard's partial file (due-preprocess --shard) has no splits yet: only the merge may read one.
enum class PartialShards { Refuse, Allow };

class DatasetReader {
 public:
  // Validates the whole layout: schema, every dataset, consistent N, D, H, W and R. A partial shard throws
  // InputError ("is a partial shard; merge it first") unless `partial` is Allow.
  explicit DatasetReader(const std::string& path, PartialShards partial = PartialShards::Refuse);

  const std::string& path() const { return file_.path(); }
  const DatasetLayout& layout() const { return layout_; }
  std::size_t size() const { return file_.rows(); }

  DatasetSample read(std::size_t index) const;
  std::vector<DatasetSample> read_batch(const std::vector<std::size_t>& indices) const;

  // Whole columns, cheap: what split selection and evaluation need without touching the volumes.
  std::vector<std::string> ids() const { return file_.read_strings("id"); }
  std::vector<std::string> patients() const { return file_.read_strings("patient"); }
  std::vector<std::uint8_t> labels() const;
  std::vector<std::uint8_t> splits() const;
  std::vector<std::uint8_t> annotated_slices() const;  // N*D
  std::vector<std::uint8_t> rater_present() const;     // N*R
  std::vector<float> spacing() const;                  // N*3
  std::vector<std::size_t> indices_of_split(std::uint8_t split) const;

  Provenance provenance() const { return file_.provenance(); }
  std::string source_description() const;
  const SampleFileReader& file() const { return file_; }

 private:
  SampleFileReader file_;
  DatasetLayout layout_;
};

}  // namespace due
