#pragma once
// Volumes as the dataset and sample files hold them (flat std::vector, D*H*W) to and from LibTorch tensors.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

#include "io/dataset_store.h"

namespace due {

// [D, H, W] float32 tensor sharing nothing with `values` (a copy), on the CPU.
torch::Tensor volume_tensor(const std::vector<float>& values, const VolumeShape& shape);
// uint8 masks become float32 0/1.
torch::Tensor volume_tensor(const std::vector<std::uint8_t>& values, const VolumeShape& shape);
// Any float tensor's values, moved to the CPU and laid out contiguously.
std::vector<float> tensor_values(const torch::Tensor& tensor);

// torch::Device from a resolved device name ("cpu", "cuda:0").
torch::Device torch_device(const std::string& name);

}  // namespace due
