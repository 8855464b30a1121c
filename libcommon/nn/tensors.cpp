#include "nn/tensors.h"

#include <stdexcept>

namespace due {
namespace {

std::vector<std::int64_t> dims(const VolumeShape& shape) {
  return {static_cast<std::int64_t>(shape.depth), static_cast<std::int64_t>(shape.height),
          static_cast<std::int64_t>(shape.width)};
}

void check_size(std::size_t size, const VolumeShape& shape) {
  if (size != shape.voxels())
    throw std::logic_error("volume_tensor: " + std::to_string(size) + " values for a volume of " +
                           std::to_string(shape.voxels()) + " voxels");
}

}  // namespace

torch::Tensor volume_tensor(const std::vector<float>& values, const VolumeShape& shape) {
  check_size(values.size(), shape);
  return torch::from_blob(const_cast<float*>(values.data()), dims(shape), torch::kFloat32).clone();
}

torch::Tensor volume_tensor(const std::vector<std::uint8_t>& values, const VolumeShape& shape) {
  check_size(values.size(), shape);
  return torch::from_blob(const_cast<std::uint8_t*>(values.data()), dims(shape), torch::kUInt8)
      .to(torch::kFloat32);
}

std::vector<float> tensor_values(const torch::Tensor& tensor) {
  const torch::Tensor flat = tensor.detach().to(torch::kCPU, torch::kFloat32).contiguous().view(-1);
  return std::vector<float>(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
}

torch::Device torch_device(const std::string& name) { return torch::Device(name); }

}  // namespace due
