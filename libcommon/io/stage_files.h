#pragma once
// The files stages hand each other after dataset.h5 (layouts in docs/dataset-format.md): variance.h5,
// annotations.h5 and explanations.h5. Rows are joined to dataset.h5 by sample id.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "io/dataset_store.h"
#include "io/h5_sample_file.h"

namespace due {

inline constexpr const char* kVarianceSchema = "due-variance";
inline constexpr const char* kAnnotationsSchema = "due-annotations";
inline constexpr const char* kExplanationsSchema = "due-explanations";
inline constexpr int kStageFileSchemaVersion = 1;

// Attributes every stage file carries beside its provenance (interpolator, uncertainty, method, ...).
using FileAttributes = std::map<std::string, std::string>;

struct VarianceRow {
  std::string id;
  std::vector<float> mean;                     // D*H*W, the imputed annotation in [0, 1]
  std::vector<float> variance;                 // D*H*W, >= 0; 0 on annotated slices
  std::vector<std::uint8_t> annotated_slices;  // D
};

struct AnnotationRow {
  std::string id;
  std::vector<float> annotation;               // D*H*W in [0, 1]
  std::vector<float> weight;                   // D*H*W in [0, 1]
  std::vector<std::uint8_t> annotated_slices;  // D
  // Per-rater imputation (due-impute-annotations --per-rater), empty otherwise: each rater slot's own annotated
  // slices imputed and weighted alone, R*D*H*W (zeros for an absent rater), and dataset.h5's /rater_present.
  std::vector<float> rater_annotation;
  std::vector<float> rater_weight;
  std::vector<std::uint8_t> rater_present;     // R
};

struct ExplanationRow {
  std::string id;
  std::uint8_t label = 0;
  std::vector<float> probability;  // 2 classes
  std::uint8_t predicted = 0;
  std::vector<float> cam;          // D*H*W in [0, 1]
};

// Common to the three: a schema, its columns for a volume shape, rows looked up by id.
class StageFileReader {
 public:
  std::size_t size() const { return file_.rows(); }
  const std::string& path() const { return file_.path(); }
  const VolumeShape& shape() const { return shape_; }
  const std::vector<std::string>& ids() const { return ids_; }
  // Row of a sample id, or nothing when the file has no row for it.
  std::optional<std::size_t> find(const std::string& id) const;
  // Row of a sample id; InputError naming the file when missing.
  std::size_t require(const std::string& id) const;
  std::string attribute(const std::string& name) const { return file_.string_attribute(name); }
  bool has_attribute(const std::string& name) const { return file_.has_attribute(name); }
  Provenance provenance() const { return file_.provenance(); }
  const SampleFileReader& file() const { return file_; }

 protected:
  StageFileReader(const std::string& path, const char* schema, const std::vector<ColumnSpec>& columns,
                  const std::string& volume_column);

  SampleFileReader file_;
  VolumeShape shape_;
  std::vector<std::string> ids_;
  std::map<std::string, std::size_t> rows_;
};

class VarianceWriter {
 public:
  VarianceWriter(const std::string& final_path, const VolumeShape& shape, const Provenance& provenance,
                 const FileAttributes& attributes, int gzip_level);
  void append(const VarianceRow& row);
  std::size_t size() const { return writer_.rows(); }
  void commit() { writer_.commit(); }

 private:
  VolumeShape shape_;
  SampleFileWriter writer_;
};

class VarianceReader : public StageFileReader {
 public:
  explicit VarianceReader(const std::string& path);
  VarianceRow read(std::size_t row) const;
};

class AnnotationWriter {
 public:
  // `raters` > 0 adds the per-rater columns, which every row must then fill.
  AnnotationWriter(const std::string& final_path, const VolumeShape& shape, const Provenance& provenance,
                   const FileAttributes& attributes, int gzip_level, std::size_t raters = 0);
  void append(const AnnotationRow& row);
  std::size_t size() const { return writer_.rows(); }
  void commit() { writer_.commit(); }

 private:
  VolumeShape shape_;
  std::size_t raters_;
  SampleFileWriter writer_;
};

class AnnotationReader : public StageFileReader {
 public:
  explicit AnnotationReader(const std::string& path);
  AnnotationRow read(std::size_t row) const;
  // Rater slots of the per-rater imputation; 0 when the file has none.
  std::size_t raters() const { return raters_; }

 private:
  std::size_t raters_ = 0;
};

class ExplanationWriter {
 public:
  ExplanationWriter(const std::string& final_path, const VolumeShape& shape, const Provenance& provenance,
                    const FileAttributes& attributes, int gzip_level);
  void append(const ExplanationRow& row);
  std::size_t size() const { return writer_.rows(); }
  void commit() { writer_.commit(); }

 private:
  VolumeShape shape_;
  SampleFileWriter writer_;
};

class ExplanationReader : public StageFileReader {
 public:
  explicit ExplanationReader(const std::string& path);
  ExplanationRow read(std::size_t row) const;
  // Whole columns without the volumes: what classification metrics need.
  std::vector<std::uint8_t> labels() const;
  std::vector<std::uint8_t> predicted() const;
  std::vector<float> probabilities() const;  // N*2
  // The depth index the explanations are scored on besides the volume (metrics/slice_scoring.h): the
  // `score_slice` attribute, or for a 2D method's file written before it, `cam_slice` (the slice its map fills).
  // InputError naming the file when neither is there (a 3D method's file from before slice scoring), when it is
  // outside the volume, or when the two disagree.
  std::size_t score_slice() const;
};

}  // namespace due
