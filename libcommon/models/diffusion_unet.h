#pragma once
// The conditional diffusion interpolator's network: a time-conditioned 2D UNet (DDPM/MCVD family) that predicts
// the noise eps of a target annotation slice x_t given the gap's two boundary slices as extra input channels and
// the target's place in its gap (relative position and gap length) embedded beside the diffusion time.
#include <torch/torch.h>

#include "models/diffusion_unet_config.h"

namespace due {

// Transformer-style sinusoidal embedding of real values [B] -> [B, dim] (half sines, half cosines, periods from
// 2 pi to 2 pi * 10^4).
torch::Tensor sinusoidal_embedding(const torch::Tensor& values, std::int64_t dim);

class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t embedding_dim, double dropout);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& embedding);

 private:
  torch::nn::GroupNorm norm1_{nullptr}, norm2_{nullptr};
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, skip_{nullptr};
  torch::nn::Linear embedding_projection_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};
TORCH_MODULE(ResidualBlock);

// Multi-head self-attention over all pixels of a feature map, with a residual connection.
class SpatialAttentionImpl : public torch::nn::Module {
 public:
  SpatialAttentionImpl(std::int64_t channels, std::int64_t heads);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  std::int64_t heads_;
  torch::nn::GroupNorm norm_{nullptr};
  torch::nn::Conv2d qkv_{nullptr}, projection_{nullptr};
};
TORCH_MODULE(SpatialAttention);

// A residual block optionally followed by attention: one step of the encoder or decoder.
class UNetStageImpl : public torch::nn::Module {
 public:
  UNetStageImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t embedding_dim, double dropout,
                bool attention, std::int64_t heads);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& embedding);

 private:
  ResidualBlock residual_{nullptr};
  SpatialAttention attention_{nullptr};
};
TORCH_MODULE(UNetStage);

class DiffusionUNetImpl : public torch::nn::Module {
 public:
  explicit DiffusionUNetImpl(const UNetConfig& config);

  // noisy [B, 1, H, W] (the target slice at diffusion step `timestep`, in [-1, 1] before noising),
  // conditions [B, condition_channels, H, W] (boundary slices in [-1, 1], zeros where dropped),
  // timestep [B] (0 .. T-1), position [B] (relative position of the target inside its gap, 0..1),
  // gap_length [B] (slices from one boundary to the other). Returns the predicted noise [B, 1, H, W].
  torch::Tensor forward(const torch::Tensor& noisy, const torch::Tensor& conditions, const torch::Tensor& timestep,
                        const torch::Tensor& position, const torch::Tensor& gap_length);

  const UNetConfig& config() const { return config_; }

 private:
  UNetConfig config_;
  torch::nn::Sequential embedding_mlp_{nullptr};
  torch::nn::Conv2d input_{nullptr};
  std::vector<std::vector<UNetStage>> encoder_;  // per level
  std::vector<torch::nn::Conv2d> downsample_;    // after every level but the last
  UNetStage middle_attention_{nullptr};
  ResidualBlock middle_out_{nullptr};
  std::vector<std::vector<UNetStage>> decoder_;  // per level, deepest first
  std::vector<torch::nn::Conv2d> upsample_;      // after every decoder level but the last
  torch::nn::GroupNorm output_norm_{nullptr};
  torch::nn::Conv2d output_{nullptr};
};
TORCH_MODULE(DiffusionUNet);

}  // namespace due
