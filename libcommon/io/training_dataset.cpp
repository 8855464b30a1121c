#include "io/training_dataset.h"

#include <algorithm>
#include <stdexcept>

namespace due {

void erase_outside_annotated_slices(DatasetSample& sample) {
  const std::size_t depth = sample.annotated_slices.size();
  if (depth == 0 || sample.mask.empty() || sample.mask.size() % depth != 0 ||
      sample.raters.size() % sample.mask.size() != 0)
    throw std::logic_error("sample '" + sample.id + "': /mask and /raters are not whole volumes of the annotated depth");
  const std::size_t voxels = sample.mask.size(), plane = voxels / depth;
  // /mask is one volume, /raters R of them; the slice index of a voxel repeats with every volume.
  const auto erase = [&](std::vector<std::uint8_t>& volumes) {
    for (std::size_t first = 0; first < volumes.size(); first += voxels)
      for (std::size_t z = 0; z < depth; ++z)
        if (!sample.annotated_slices[z])
          std::fill_n(volumes.begin() + static_cast<std::ptrdiff_t>(first + z * plane), plane, std::uint8_t{0});
  };
  erase(sample.mask);
  erase(sample.raters);
}

DatasetSample TrainingDatasetReader::read(std::size_t index) const {
  DatasetSample sample = reader_.read(index);
  erase_outside_annotated_slices(sample);
  return sample;
}

std::vector<DatasetSample> TrainingDatasetReader::read_batch(const std::vector<std::size_t>& indices) const {
  std::vector<DatasetSample> batch;
  batch.reserve(indices.size());
  for (std::size_t index : indices) batch.push_back(read(index));
  return batch;
}

}  // namespace due
