#include "io/stage_files.h"

#include <stdexcept>

#include "util/errors.h"

// Readers pass the columns of an empty VolumeShape: extent 0 accepts any, and the constructor then holds every
// volume column to the first one's shape.
//
// Every float column (/mean, /variance, /annotation, /weight, /rater_annotation, /rater_weight, /probability,
// /cam) is checked finite as its rows are read, by SampleFileReader::read_rows: a NaN weight or variance would
// otherwise train a model on NaN losses and exit 0.

namespace due {
namespace {

std::vector<std::size_t> dims(const VolumeShape& s) { return {s.depth, s.height, s.width}; }

std::vector<ColumnSpec> variance_columns(const VolumeShape& s) {
  return {{"id", ElementType::String, {}},
          {"mean", ElementType::Float32, dims(s)},
          {"variance", ElementType::Float32, dims(s)},
          {"annotated_slices", ElementType::UInt8, {s.depth}, false, ColumnValues::ZeroOrOne}};
}

// The per-rater columns are written only with raters > 0; readers take them as optional (any R).
std::vector<ColumnSpec> annotation_columns(const VolumeShape& s, std::size_t raters, bool reading) {
  std::vector<ColumnSpec> columns{{"id", ElementType::String, {}},
                                  {"annotation", ElementType::Float32, dims(s)},
                                  {"weight", ElementType::Float32, dims(s)},
                                  {"annotated_slices", ElementType::UInt8, {s.depth}, false, ColumnValues::ZeroOrOne}};
  if (raters > 0 || reading) {
    const std::vector<std::size_t> per_rater{raters, s.depth, s.height, s.width};
    columns.push_back({"rater_annotation", ElementType::Float32, per_rater, true});
    columns.push_back({"rater_weight", ElementType::Float32, per_rater, true});
    columns.push_back({"rater_present", ElementType::UInt8, {raters}, true, ColumnValues::ZeroOrOne});
  }
  return columns;
}

std::vector<ColumnSpec> explanation_columns(const VolumeShape& s) {
  return {{"id", ElementType::String, {}},
          {"label", ElementType::UInt8, {}},
          {"probability", ElementType::Float32, {2}},
          {"predicted", ElementType::UInt8, {}},
          {"cam", ElementType::Float32, dims(s)}};
}

void require_size(const std::string& what, std::size_t got, std::size_t expected, const std::string& id) {
  if (got != expected)
    throw std::logic_error("row '" + id + "': " + what + " has " + std::to_string(got) + " values, expected " +
                           std::to_string(expected));
}

void start(SampleFileWriter& writer, const Provenance& provenance, const FileAttributes& attributes) {
  writer.set_provenance(provenance);
  for (const auto& [name, value] : attributes) writer.set_attribute(name, value);
}

}  // namespace

StageFileReader::StageFileReader(const std::string& path, const char* schema, const std::vector<ColumnSpec>& columns,
                                 const std::string& volume_column)
    : file_(path, schema, kStageFileSchemaVersion, columns) {
  const auto& s = file_.sample_shape(volume_column);
  shape_ = VolumeShape{s.at(0), s.at(1), s.at(2)};
  for (const ColumnSpec& column : columns) {
    if (!file_.has_column(column.name)) continue;
    const auto& stored = file_.sample_shape(column.name);
    if (column.sample_shape.size() == 4 && std::vector<std::size_t>(stored.begin() + 1, stored.end()) != dims(shape_))
      throw InputError(path + ": column '" + column.name + "' does not hold volumes of the shape of '" + volume_column +
                       "'");
    if (column.sample_shape.size() == 3 && stored != dims(shape_))
      throw InputError(path + ": column '" + column.name + "' does not have the volume shape of '" + volume_column + "'");
    if (column.name == "annotated_slices" && stored.at(0) != shape_.depth)
      throw InputError(path + ": column 'annotated_slices' does not match the volume depth");
  }
  ids_ = file_.read_strings("id");
  for (std::size_t row = 0; row < ids_.size(); ++row) {
    if (!rows_.emplace(ids_[row], row).second) throw InputError(path + ": sample id '" + ids_[row] + "' appears twice");
  }
}

std::optional<std::size_t> StageFileReader::find(const std::string& id) const {
  const auto it = rows_.find(id);
  if (it == rows_.end()) return std::nullopt;
  return it->second;
}

std::size_t StageFileReader::require(const std::string& id) const {
  const auto row = find(id);
  if (!row) throw InputError(path() + ": no row for sample '" + id + "'");
  return *row;
}

VarianceWriter::VarianceWriter(const std::string& final_path, const VolumeShape& shape, const Provenance& provenance,
                               const FileAttributes& attributes, int gzip_level)
    : shape_(shape), writer_(final_path, kVarianceSchema, kStageFileSchemaVersion, variance_columns(shape), gzip_level) {
  start(writer_, provenance, attributes);
}

void VarianceWriter::append(const VarianceRow& row) {
  require_size("mean", row.mean.size(), shape_.voxels(), row.id);
  require_size("variance", row.variance.size(), shape_.voxels(), row.id);
  require_size("annotated_slices", row.annotated_slices.size(), shape_.depth, row.id);
  writer_.put("id", row.id);
  writer_.put("mean", row.mean.data());
  writer_.put("variance", row.variance.data());
  writer_.put("annotated_slices", row.annotated_slices.data());
  writer_.end_row();
}

VarianceReader::VarianceReader(const std::string& path)
    : StageFileReader(path, kVarianceSchema, variance_columns({}), "mean") {}

VarianceRow VarianceReader::read(std::size_t row) const {
  VarianceRow r;
  r.id = ids_.at(row);
  r.mean.resize(shape_.voxels());
  r.variance.resize(shape_.voxels());
  r.annotated_slices.resize(shape_.depth);
  file_.read_rows("mean", row, 1, r.mean.data());
  file_.read_rows("variance", row, 1, r.variance.data());
  file_.read_rows("annotated_slices", row, 1, r.annotated_slices.data());
  return r;
}

AnnotationWriter::AnnotationWriter(const std::string& final_path, const VolumeShape& shape,
                                   const Provenance& provenance, const FileAttributes& attributes, int gzip_level,
                                   std::size_t raters)
    : shape_(shape),
      raters_(raters),
      writer_(final_path, kAnnotationsSchema, kStageFileSchemaVersion, annotation_columns(shape, raters, false),
              gzip_level) {
  start(writer_, provenance, attributes);
}

void AnnotationWriter::append(const AnnotationRow& row) {
  require_size("annotation", row.annotation.size(), shape_.voxels(), row.id);
  require_size("weight", row.weight.size(), shape_.voxels(), row.id);
  require_size("annotated_slices", row.annotated_slices.size(), shape_.depth, row.id);
  writer_.put("id", row.id);
  writer_.put("annotation", row.annotation.data());
  writer_.put("weight", row.weight.data());
  writer_.put("annotated_slices", row.annotated_slices.data());
  if (raters_ > 0) {
    require_size("rater_annotation", row.rater_annotation.size(), raters_ * shape_.voxels(), row.id);
    require_size("rater_weight", row.rater_weight.size(), raters_ * shape_.voxels(), row.id);
    require_size("rater_present", row.rater_present.size(), raters_, row.id);
    writer_.put("rater_annotation", row.rater_annotation.data());
    writer_.put("rater_weight", row.rater_weight.data());
    writer_.put("rater_present", row.rater_present.data());
  }
  writer_.end_row();
}

AnnotationReader::AnnotationReader(const std::string& path)
    : StageFileReader(path, kAnnotationsSchema, annotation_columns({}, 0, true), "annotation") {
  const bool any = file_.has_column("rater_annotation") || file_.has_column("rater_weight") ||
                   file_.has_column("rater_present");
  if (!any) return;
  if (!file_.has_column("rater_annotation") || !file_.has_column("rater_weight") || !file_.has_column("rater_present"))
    throw InputError(path + ": has only some of /rater_annotation, /rater_weight and /rater_present");
  raters_ = file_.sample_shape("rater_present").at(0);
  for (const char* column : {"rater_annotation", "rater_weight"})
    if (file_.sample_shape(column).at(0) != raters_)
      throw InputError(path + ": /" + column + " does not have the rater slots of /rater_present");
}

AnnotationRow AnnotationReader::read(std::size_t row) const {
  AnnotationRow r;
  r.id = ids_.at(row);
  r.annotation.resize(shape_.voxels());
  r.weight.resize(shape_.voxels());
  r.annotated_slices.resize(shape_.depth);
  file_.read_rows("annotation", row, 1, r.annotation.data());
  file_.read_rows("weight", row, 1, r.weight.data());
  file_.read_rows("annotated_slices", row, 1, r.annotated_slices.data());
  if (raters_ > 0) {
    r.rater_annotation.resize(raters_ * shape_.voxels());
    r.rater_weight.resize(raters_ * shape_.voxels());
    r.rater_present.resize(raters_);
    file_.read_rows("rater_annotation", row, 1, r.rater_annotation.data());
    file_.read_rows("rater_weight", row, 1, r.rater_weight.data());
    file_.read_rows("rater_present", row, 1, r.rater_present.data());
  }
  return r;
}

ExplanationWriter::ExplanationWriter(const std::string& final_path, const VolumeShape& shape,
                                     const Provenance& provenance, const FileAttributes& attributes, int gzip_level)
    : shape_(shape),
      writer_(final_path, kExplanationsSchema, kStageFileSchemaVersion, explanation_columns(shape), gzip_level) {
  start(writer_, provenance, attributes);
}

void ExplanationWriter::append(const ExplanationRow& row) {
  require_size("probability", row.probability.size(), 2, row.id);
  require_size("cam", row.cam.size(), shape_.voxels(), row.id);
  writer_.put("id", row.id);
  writer_.put("label", &row.label);
  writer_.put("probability", row.probability.data());
  writer_.put("predicted", &row.predicted);
  writer_.put("cam", row.cam.data());
  writer_.end_row();
}

ExplanationReader::ExplanationReader(const std::string& path)
    : StageFileReader(path, kExplanationsSchema, explanation_columns({}), "cam") {}

ExplanationRow ExplanationReader::read(std::size_t row) const {
  ExplanationRow r;
  r.id = ids_.at(row);
  r.probability.resize(2);
  r.cam.resize(shape_.voxels());
  file_.read_rows("label", row, 1, &r.label);
  file_.read_rows("probability", row, 1, r.probability.data());
  file_.read_rows("predicted", row, 1, &r.predicted);
  file_.read_rows("cam", row, 1, r.cam.data());
  return r;
}

std::size_t ExplanationReader::score_slice() const {
  const auto index_attribute = [&](const char* name) {
    const std::string text = attribute(name);
    if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 9)
      throw InputError(path() + ": attribute " + name + " '" + text + "' is not a slice index");
    const std::size_t slice = std::stoul(text);
    if (slice >= shape_.depth)
      throw InputError(path() + ": attribute " + name + " " + text + " lies outside the " +
                       std::to_string(shape_.depth) + " slices of its volumes");
    return slice;
  };
  const bool scored = has_attribute("score_slice"), two_d = has_attribute("cam_slice");
  if (!scored && !two_d)
    throw InputError(path() + ": has no score_slice attribute (written before slice scoring); run due-explain again");
  const std::size_t slice = index_attribute(scored ? "score_slice" : "cam_slice");
  if (scored && two_d && index_attribute("cam_slice") != slice)
    throw InputError(path() + ": score_slice " + std::to_string(slice) + " is not the slice its 2D maps fill (cam_slice " +
                     attribute("cam_slice") + ")");
  return slice;
}

std::vector<std::uint8_t> ExplanationReader::labels() const {
  std::vector<std::uint8_t> out(size());
  if (!out.empty()) file_.read_rows("label", 0, size(), out.data());
  return out;
}

std::vector<std::uint8_t> ExplanationReader::predicted() const {
  std::vector<std::uint8_t> out(size());
  if (!out.empty()) file_.read_rows("predicted", 0, size(), out.data());
  return out;
}

std::vector<float> ExplanationReader::probabilities() const {
  std::vector<float> out(size() * 2);
  if (!out.empty()) file_.read_rows("probability", 0, size(), out.data());
  return out;
}

}  // namespace due
