#include "models/np_vae_gaps.h"

#include <algorithm>
#include <stdexcept>

#include "data/gaps.h"

namespace due {

GapQueries::GapQueries(std::int64_t height, std::int64_t width) : height_(height), width_(width) {}

std::size_t GapQueries::add_volume(const std::vector<float>& sparse, const VolumeShape& shape,
                                   const std::vector<std::uint8_t>& annotated_slices) {
  if (static_cast<std::int64_t>(shape.height) != height_ || static_cast<std::int64_t>(shape.width) != width_)
    throw std::invalid_argument("GapQueries: the volume's slices are not of the queries' size");
  if (sparse.size() != shape.voxels() || annotated_slices.size() != shape.depth)
    throw std::logic_error("GapQueries: buffers do not match the volume shape");
  const std::size_t plane = shape.height * shape.width;
  const std::size_t first = size();
  std::vector<std::int64_t> stored(shape.depth, -1);  // row in slices_ of each annotated slice used
  auto store = [&](std::size_t z) {
    if (stored[z] < 0) {
      stored[z] = static_cast<std::int64_t>(slices_.size() / plane);
      slices_.insert(slices_.end(), sparse.begin() + static_cast<std::ptrdiff_t>(z * plane),
                     sparse.begin() + static_cast<std::ptrdiff_t>((z + 1) * plane));
    }
    return stored[z];
  };
  for (const Gap& gap : find_gaps(annotated_slices)) {
    const std::int64_t before = store(gap.before), after = store(gap.after);
    for (std::size_t z = gap.before + 1; z < gap.after; ++z) {
      before_.push_back(before);
      after_.push_back(after);
      positions_.push_back(static_cast<float>(gap.position(z)));
      spans_.push_back(static_cast<float>(gap.after - gap.before));
      depth_index_.push_back(z);
      volume_.push_back(volumes_);
    }
  }
  ++volumes_;
  return size() - first;
}

NpVaeBatch GapQueries::batch(const torch::Tensor& rows) const {
  const auto n = static_cast<std::int64_t>(slices_.size() / static_cast<std::size_t>(height_ * width_));
  const torch::Tensor slices =
      torch::from_blob(const_cast<float*>(slices_.data()), {n, height_, width_}, torch::kFloat32);
  auto column = [&](const auto& values, torch::ScalarType type) {
    using Value = typename std::decay_t<decltype(values)>::value_type;
    return torch::from_blob(const_cast<Value*>(values.data()), {static_cast<std::int64_t>(values.size())}, type)
        .index_select(0, rows);
  };
  NpVaeBatch b;
  const torch::Tensor before = slices.index_select(0, column(before_, torch::kInt64));
  const torch::Tensor after = slices.index_select(0, column(after_, torch::kInt64));
  b.context = torch::stack({before, after}, 1);
  b.context_positions = torch::stack({torch::zeros({rows.size(0)}), torch::ones({rows.size(0)})}, 1);
  b.positions = column(positions_, torch::kFloat32);
  b.spans = column(spans_, torch::kFloat32);
  return b;
}

NpVaeBatch GapQueries::batch(std::size_t begin, std::size_t end) const {
  return batch(torch::arange(static_cast<std::int64_t>(begin), static_cast<std::int64_t>(end), torch::kInt64));
}

std::vector<float> predict_volume_variance(NpVaeImpl& model, const std::vector<float>& sparse, const VolumeShape& shape,
                                           const std::vector<std::uint8_t>& annotated_slices, const torch::Device& device,
                                           std::int64_t batch_size, std::optional<std::uint64_t> sample_seed) {
  GapQueries queries(static_cast<std::int64_t>(shape.height), static_cast<std::int64_t>(shape.width));
  queries.add_volume(sparse, shape, annotated_slices);
  std::vector<float> variance(shape.voxels(), 0.f);
  const std::size_t plane = shape.height * shape.width;
  torch::NoGradGuard no_grad;
  // One noise draw for the whole volume, cut per batch, so the result does not depend on the batch size.
  const torch::Tensor volume_noise =
      sample_seed ? model.latent_noise(static_cast<std::int64_t>(queries.size()), *sample_seed, device) : torch::Tensor();
  const auto step = static_cast<std::size_t>(std::max<std::int64_t>(1, batch_size));
  for (std::size_t begin = 0; begin < queries.size(); begin += step) {
    const std::size_t end = std::min(queries.size(), begin + step);
    const NpVaeBatch batch = queries.batch(begin, end).to(device);
    const torch::Tensor noise =
        sample_seed ? volume_noise.narrow(0, static_cast<std::int64_t>(begin), static_cast<std::int64_t>(end - begin))
                    : torch::Tensor();
    const torch::Tensor predicted = model.predict(batch, noise).variance.to(torch::kCPU).contiguous();
    const float* values = predicted.data_ptr<float>();
    for (std::size_t i = begin; i < end; ++i)
      std::copy_n(values + (i - begin) * plane, plane, variance.begin() + static_cast<std::ptrdiff_t>(queries.slice(i) * plane));
  }
  return variance;
}

}  // namespace due
