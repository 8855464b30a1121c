#include "models/resnet.h"

#include <stdexcept>

namespace due {
namespace {

constexpr int kLayers = 4;
constexpr int kBlocksPerLayer = 2;

// A convolution of the model's dimensionality; `stride` and `padding` give one value per spatial axis.
torch::nn::AnyModule convolution(int dims, std::int64_t in, std::int64_t out, std::int64_t kernel,
                                 const std::vector<std::int64_t>& stride, std::int64_t padding) {
  if (dims == 3) {
    return torch::nn::AnyModule(torch::nn::Conv3d(
        torch::nn::Conv3dOptions(in, out, kernel).stride(c10::IntArrayRef(stride)).padding(padding).bias(false)));
  }
  return torch::nn::AnyModule(torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in, out, kernel).stride(c10::IntArrayRef(stride)).padding(padding).bias(false)));
}

torch::nn::AnyModule batch_norm(int dims, std::int64_t channels) {
  if (dims == 3) return torch::nn::AnyModule(torch::nn::BatchNorm3d(channels));
  return torch::nn::AnyModule(torch::nn::BatchNorm2d(channels));
}

torch::nn::AnyModule relu() { return torch::nn::AnyModule(torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true))); }

std::vector<std::int64_t> uniform(int dims, std::int64_t value) { return std::vector<std::int64_t>(dims, value); }

// Two 3x3 convolutions with BatchNorm, added to the input (or to its 1x1 projection when the shape changes).
class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int dims, std::int64_t in, std::int64_t out, std::int64_t stride) {
    residual_->push_back(convolution(dims, in, out, 3, uniform(dims, stride), 1));
    residual_->push_back(batch_norm(dims, out));
    residual_->push_back(relu());
    residual_->push_back(convolution(dims, out, out, 3, uniform(dims, 1), 1));
    residual_->push_back(batch_norm(dims, out));
    register_module("residual", residual_);
    if (stride != 1 || in != out) {
      shortcut_->push_back(convolution(dims, in, out, 1, uniform(dims, stride), 0));
      shortcut_->push_back(batch_norm(dims, out));
      register_module("shortcut", shortcut_);
    }
  }

  torch::Tensor forward(const torch::Tensor& input) {
    torch::Tensor sum = residual_->forward(input);
    sum = sum + (shortcut_->is_empty() ? input : shortcut_->forward(input));
    return torch::relu_(sum);
  }

 private:
  torch::nn::Sequential residual_;
  torch::nn::Sequential shortcut_;
};
TORCH_MODULE(BasicBlock);

}  // namespace

LayerRef parse_layer_ref(const std::string& name) {
  const auto invalid = [&] {
    return std::invalid_argument("layer '" + name + "' is not layerK or layerK.B (K in 1..4, B in 0..1)");
  };
  if (name.size() < 6 || name.compare(0, 5, "layer") != 0) throw invalid();
  LayerRef ref;
  const char k = name[5];
  if (k < '1' || k > '4') throw invalid();
  ref.layer = k - '0';
  if (name.size() == 6) return ref;
  if (name.size() != 8 || name[6] != '.' || name[7] < '0' || name[7] > '1') throw invalid();
  ref.block = name[7] - '0';
  return ref;
}

std::string layer_ref_name(const LayerRef& ref) {
  std::string name = "layer" + std::to_string(ref.layer);
  if (ref.block >= 0) name += "." + std::to_string(ref.block);
  return name;
}

ResNet18Impl::ResNet18Impl(const ResNetConfig& config) : config_(config) {
  if (config.dims != 2 && config.dims != 3) throw std::invalid_argument("ResNet18: dims must be 2 or 3");
  if (config.width < 1 || config.in_channels < 1 || config.classes < 2)
    throw std::invalid_argument("ResNet18: width and channels must be >= 1 and classes >= 2");
  const int dims = config.dims;
  std::vector<std::int64_t> stem_stride = uniform(dims, 2);
  if (dims == 3) stem_stride[0] = 1;  // keeps the depth resolution: volumes are thinner than they are wide
  stem_ = torch::nn::Sequential();
  stem_->push_back(convolution(dims, config.in_channels, config.width, 7, stem_stride, 3));
  stem_->push_back(batch_norm(dims, config.width));
  stem_->push_back(relu());
  if (dims == 3)
    stem_->push_back(torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions(3).stride(2).padding(1)));
  else
    stem_->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(3).stride(2).padding(1)));
  register_module("stem", stem_);

  std::int64_t channels = config.width;
  for (int layer = 0; layer < kLayers; ++layer) {
    const std::int64_t out = config.width << layer;
    torch::nn::Sequential blocks;
    for (int block = 0; block < kBlocksPerLayer; ++block) {
      blocks->push_back(BasicBlock(dims, channels, out, block == 0 && layer > 0 ? 2 : 1));
      channels = out;
    }
    layers_.push_back(register_module("layer" + std::to_string(layer + 1), blocks));
  }
  fc_ = register_module("fc", torch::nn::Linear(channels, config.classes));

  // He initialisation for the convolutions (fan-out, as torchvision and the 3D ResNets of the published code).
  for (auto& module : modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv3d>())
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    if (auto* conv = module->as<torch::nn::Conv2d>())
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
  }
}

torch::Tensor ResNet18Impl::stem_forward(const torch::Tensor& input) {
  const std::int64_t expected_rank = config_.dims + 2;
  if (input.dim() != expected_rank || input.size(1) != config_.in_channels)
    throw std::invalid_argument("ResNet18: expected input [B, " + std::to_string(config_.in_channels) + ", " +
                                (config_.dims == 3 ? "D, H, W" : "H, W") + "], got " + c10::str(input.sizes()));
  return stem_->forward(input);
}

torch::Tensor ResNet18Impl::head_forward(const torch::Tensor& features) {
  std::vector<std::int64_t> spatial;
  for (int axis = 2; axis < features.dim(); ++axis) spatial.push_back(axis);
  return fc_->forward(features.mean(spatial));
}

torch::Tensor ResNet18Impl::forward(const torch::Tensor& input) {
  return head_forward(run_blocks(stem_forward(input), 0, kLayers * kBlocksPerLayer));
}

int ResNet18Impl::block_index(const LayerRef& ref) const {
  if (ref.layer < 1 || ref.layer > kLayers || ref.block >= kBlocksPerLayer)
    throw std::invalid_argument("ResNet18: no layer " + layer_ref_name(ref));
  return (ref.layer - 1) * kBlocksPerLayer + (ref.block < 0 ? kBlocksPerLayer - 1 : ref.block);
}

torch::Tensor ResNet18Impl::run_blocks(torch::Tensor x, int first, int last) {
  for (int i = first; i < last; ++i)
    x = layers_[i / kBlocksPerLayer]->ptr(i % kBlocksPerLayer)->as<BasicBlock>()->forward(x);
  return x;
}

torch::Tensor ResNet18Impl::features(const torch::Tensor& input, const LayerRef& layer) {
  return run_blocks(stem_forward(input), 0, block_index(layer) + 1);
}

torch::Tensor ResNet18Impl::classify_from(const torch::Tensor& activation, const LayerRef& layer) {
  return head_forward(run_blocks(activation, block_index(layer) + 1, kLayers * kBlocksPerLayer));
}

ResNetOutput ResNet18Impl::forward_with_activation(const torch::Tensor& input, const LayerRef& layer) {
  ResNetOutput out;
  out.activation = features(input, layer);
  out.logits = classify_from(out.activation, layer);
  return out;
}

}  // namespace due
