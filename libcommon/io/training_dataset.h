#pragma once
// dataset.h5 as the stages before evaluation may see it. The slices of /mask and /raters between the annotated ones
// are the hidden 3D truth (the paper's premise: no dense 3D annotation exists), and the gaps of the training
// positives are what DUE and Baseline+ impute, so the interpolator, the variance sampling, the NP-VAE and the
// imputation read the file only through this type: it has no way to return those slices. Evaluation and the
// benchmarks use DatasetReader.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/dataset_store.h"

namespace due {

// `sample`'s /mask and /raters set to 0 on every slice that /annotated_slices does not mark.
void erase_outside_annotated_slices(DatasetSample& sample);

class TrainingDatasetReader {
 public:
  explicit TrainingDatasetReader(const std::string& path) : reader_(path) {}

  const std::string& path() const { return reader_.path(); }
  const DatasetLayout& layout() const { return reader_.layout(); }
  std::size_t size() const { return reader_.size(); }

  // The sample with /mask and /raters erased outside its annotated slices.
  DatasetSample read(std::size_t index) const;
  std::vector<DatasetSample> read_batch(const std::vector<std::size_t>& indices) const;

  // The whole columns that hold no annotation beyond the annotated slices.
  std::vector<std::string> ids() const { return reader_.ids(); }
  std::vector<std::uint8_t> labels() const { return reader_.labels(); }
  std::vector<std::uint8_t> splits() const { return reader_.splits(); }
  std::vector<std::uint8_t> annotated_slices() const { return reader_.annotated_slices(); }
  std::vector<std::uint8_t> rater_present() const { return reader_.rater_present(); }
  std::vector<std::size_t> indices_of_split(std::uint8_t split) const { return reader_.indices_of_split(split); }

 private:
  DatasetReader reader_;  // private: its read() and file() would show the hidden slices
};

}  // namespace due
