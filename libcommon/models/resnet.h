#pragma once
// ResNet-18 (basic blocks, layers 2-2-2-2) for volumes (3D) and single slices (2D): the classifier every method
// trains. One implementation for both: the layers differ only in the number of spatial axes.
//   3D: conv 7x7x7, stride (1, 2, 2), padding 3; 2D: conv 7x7, stride 2, padding 3; then BatchNorm, ReLU,
//   max-pool 3 / 2, layer1..layer4 (width, 2, 4, 8 x width channels; strides 1, 2, 2, 2), global average pool
//   and a linear head. Shortcuts that change shape are 1x1 convolutions with BatchNorm.
#include <cstdint>
#include <string>
#include <vector>

#include <torch/torch.h>

namespace due {

struct ResNetConfig {
  int dims = 3;                   // 3: input [B, C, D, H, W]; 2: input [B, C, H, W]
  std::int64_t width = 64;        // channels of layer1 (64 = the paper's ResNet-18)
  std::int64_t in_channels = 1;
  std::int64_t classes = 2;
};

// Where Grad-CAM reads the activations: the output of block `block` of layer `layer` (1..4); block -1 = the
// layer's last block. Written "layer4" or "layer4.1".
struct LayerRef {
  int layer = 4;
  int block = -1;
};
// Throws std::invalid_argument for a name that is not layerK or layerK.B with K in 1..4 and B in 0..1.
LayerRef parse_layer_ref(const std::string& name);
std::string layer_ref_name(const LayerRef& ref);

struct ResNetOutput {
  torch::Tensor logits;      // [B, classes]
  torch::Tensor activation;  // [B, C, spatial...] at the requested layer
};

class ResNet18Impl : public torch::nn::Module {
 public:
  explicit ResNet18Impl(const ResNetConfig& config);

  torch::Tensor forward(const torch::Tensor& input);
  // One forward pass that also hands back the activations at `layer` (still in the graph), so Grad-CAM needs no
  // hooks and no second pass.
  ResNetOutput forward_with_activation(const torch::Tensor& input, const LayerRef& layer);
  // The two halves of that pass: up to and including `layer`, and from its output to the logits. Explaining
  // runs the first half without a graph and keeps one only for the second.
  torch::Tensor features(const torch::Tensor& input, const LayerRef& layer);
  torch::Tensor classify_from(const torch::Tensor& activation, const LayerRef& layer);

  const ResNetConfig& config() const { return config_; }

 private:
  torch::Tensor stem_forward(const torch::Tensor& input);
  torch::Tensor head_forward(const torch::Tensor& features);
  // Runs blocks [first, last) in the flat order layer1.0, layer1.1, ..., layer4.1.
  torch::Tensor run_blocks(torch::Tensor x, int first, int last);
  int block_index(const LayerRef& layer) const;

  ResNetConfig config_;
  torch::nn::Sequential stem_{nullptr};
  std::vector<torch::nn::Sequential> layers_;  // layer1..layer4, each a sequence of blocks
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ResNet18);

}  // namespace due
