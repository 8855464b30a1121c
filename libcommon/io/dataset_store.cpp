#include "io/dataset_store.h"

#include <stdexcept>

#include "util/errors.h"

namespace due {
namespace {

std::vector<ColumnSpec> dataset_columns(const DatasetLayout& l) {
  const std::size_t D = l.shape.depth, H = l.shape.height, W = l.shape.width, R = l.raters;
  return {
      {"image", ElementType::Float32, {D, H, W}},
      {"label", ElementType::UInt8, {}},
      {"mask", ElementType::UInt8, {D, H, W}},
      {"raters", ElementType::UInt8, {R, D, H, W}},
      {"rater_present", ElementType::UInt8, {R}, false, ColumnValues::ZeroOrOne},
      {"annotated_slices", ElementType::UInt8, {D}, false, ColumnValues::ZeroOrOne},
      {"id", ElementType::String, {}},
      {"patient", ElementType::String, {}},
      {"split", ElementType::UInt8, {}},
      {"spacing", ElementType::Float32, {3}},
  };
}

void require_size(const std::string& what, std::size_t got, std::size_t expected, const std::string& id) {
  if (got != expected)
    throw std::logic_error("sample '" + id + "': " + what + " has " + std::to_string(got) + " values, expected " +
                           std::to_string(expected));
}

}  // namespace

const char* split_name(std::uint8_t split) {
  switch (split) {
    case kTrain: return "train";
    case kValidation: return "validation";
    case kTest: return "test";
    case kUnused: return "unused";
  }
  return "?";
}

DatasetWriter::DatasetWriter(const std::string& final_path, const DatasetLayout& layout, const Provenance& provenance,
                             const std::string& source_description, int gzip_level)
    : layout_(layout),
      writer_(final_path, kDatasetSchema, kDatasetSchemaVersion, dataset_columns(layout), gzip_level) {
  writer_.set_provenance(provenance);
  writer_.set_attribute("source", source_description);
}

void DatasetWriter::append(const DatasetSample& s) {
  const std::size_t voxels = layout_.shape.voxels();
  require_size("image", s.image.size(), voxels, s.id);
  require_size("mask", s.mask.size(), voxels, s.id);
  require_size("raters", s.raters.size(), voxels * layout_.raters, s.id);
  require_size("rater_present", s.rater_present.size(), layout_.raters, s.id);
  require_size("annotated_slices", s.annotated_slices.size(), layout_.shape.depth, s.id);
  if (s.split > kUnused) throw std::logic_error("sample '" + s.id + "': split code " + std::to_string(s.split));
  writer_.put("image", s.image.data());
  writer_.put("label", &s.label);
  writer_.put("mask", s.mask.data());
  writer_.put("raters", s.raters.data());
  writer_.put("rater_present", s.rater_present.data());
  writer_.put("annotated_slices", s.annotated_slices.data());
  writer_.put("id", s.id);
  writer_.put("patient", s.patient);
  writer_.put("split", &s.split);
  writer_.put("spacing", s.spacing.data());
  writer_.end_row();
}

void DatasetWriter::set_splits(const std::vector<std::uint8_t>& splits) {
  if (splits.size() != size()) throw std::logic_error("set_splits: one split code per written sample expected");
  for (std::size_t i = 0; i < splits.size(); ++i) writer_.overwrite("split", i, &splits[i]);
}

namespace {
// Opens with wildcard extents, then checks that all volumes agree on D, H, W and R.
SampleFileReader open_dataset(const std::string& path) {
  return SampleFileReader(path, kDatasetSchema, kDatasetSchemaVersion,
                          dataset_columns(DatasetLayout{VolumeShape{0, 0, 0}, 0}));
}
}  // namespace

DatasetReader::DatasetReader(const std::string& path, PartialShards partial) : file_(open_dataset(path)) {
  // The attribute name is data/shards.h's kShardAttribute; io does not depend on data.
  if (partial == PartialShards::Refuse && file_.has_attribute("shard"))
    throw InputError(path + ": is a partial shard (" + file_.string_attribute("shard") +
                     ") of due-preprocess --shard; merge it first (due-preprocess --merge PART... --out dataset.h5)");
  const auto& image = file_.sample_shape("image");
  layout_.shape = VolumeShape{image[0], image[1], image[2]};
  layout_.raters = file_.sample_shape("raters")[0];
  const auto shape_text = [](const std::vector<std::size_t>& s) {
    std::string t = "[N";
    for (std::size_t e : s) t += "," + std::to_string(e);
    return t + "]";
  };
  const auto expect = [&](const char* column, const std::vector<std::size_t>& wanted) {
    if (file_.sample_shape(column) != wanted)
      throw InputError(path + ": dataset '/" + column + "' has shape " + shape_text(file_.sample_shape(column)) +
                       " but '/image' implies " + shape_text(wanted));
  };
  const VolumeShape& v = layout_.shape;
  expect("mask", {v.depth, v.height, v.width});
  expect("raters", {layout_.raters, v.depth, v.height, v.width});
  expect("rater_present", {layout_.raters});
  expect("annotated_slices", {v.depth});
  // Codes outside their range would silently become a third class or a split no stage reads.
  const std::vector<std::uint8_t> all_labels = labels(), all_splits = splits();
  for (std::size_t row = 0; row < size(); ++row) {
    if (all_labels[row] > 1)
      throw InputError(path + ": '/label' row " + std::to_string(row) + " is " + std::to_string(all_labels[row]) +
                       " (a label is 0 or 1)");
    if (all_splits[row] > kUnused)
      throw InputError(path + ": '/split' row " + std::to_string(row) + " is " + std::to_string(all_splits[row]) +
                       " (a split is 0 train, 1 validation, 2 test or 3 unused)");
  }
}

DatasetSample DatasetReader::read(std::size_t index) const {
  if (index >= size())
    throw std::out_of_range(path() + ": sample " + std::to_string(index) + " of " + std::to_string(size()));
  DatasetSample s;
  const std::size_t voxels = layout_.shape.voxels();
  s.image.resize(voxels);
  s.mask.resize(voxels);
  s.raters.resize(voxels * layout_.raters);
  s.rater_present.resize(layout_.raters);
  s.annotated_slices.resize(layout_.shape.depth);
  // A NaN or Inf in /image (or /spacing) is refused by read_rows, naming the row, the sample and the voxel.
  file_.read_rows("image", index, 1, s.image.data());
  file_.read_rows("label", index, 1, &s.label);
  file_.read_rows("mask", index, 1, s.mask.data());
  file_.read_rows("raters", index, 1, s.raters.data());
  file_.read_rows("rater_present", index, 1, s.rater_present.data());
  file_.read_rows("annotated_slices", index, 1, s.annotated_slices.data());
  file_.read_rows("split", index, 1, &s.split);
  file_.read_rows("spacing", index, 1, s.spacing.data());
  s.id = file_.read_string("id", index);
  s.patient = file_.read_string("patient", index);
  return s;
}

std::vector<DatasetSample> DatasetReader::read_batch(const std::vector<std::size_t>& indices) const {
  std::vector<DatasetSample> batch;
  batch.reserve(indices.size());
  for (std::size_t index : indices) batch.push_back(read(index));
  return batch;
}

std::vector<std::uint8_t> DatasetReader::labels() const {
  std::vector<std::uint8_t> out(size());
  file_.read_rows("label", 0, size(), out.data());
  return out;
}

std::vector<std::uint8_t> DatasetReader::splits() const {
  std::vector<std::uint8_t> out(size());
  file_.read_rows("split", 0, size(), out.data());
  return out;
}

std::vector<std::uint8_t> DatasetReader::annotated_slices() const {
  std::vector<std::uint8_t> out(size() * layout_.shape.depth);
  file_.read_rows("annotated_slices", 0, size(), out.data());
  return out;
}

std::vector<std::uint8_t> DatasetReader::rater_present() const {
  std::vector<std::uint8_t> out(size() * layout_.raters);
  file_.read_rows("rater_present", 0, size(), out.data());
  return out;
}

std::vector<float> DatasetReader::spacing() const {
  std::vector<float> out(size() * 3);
  file_.read_rows("spacing", 0, size(), out.data());
  return out;
}

std::vector<std::size_t> DatasetReader::indices_of_split(std::uint8_t split) const {
  const std::vector<std::uint8_t> all = splits();
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (all[i] == split) out.push_back(i);
  }
  return out;
}

std::string DatasetReader::source_description() const {
  return file_.has_attribute("source") ? file_.string_attribute("source") : std::string();
}

}  // namespace due
