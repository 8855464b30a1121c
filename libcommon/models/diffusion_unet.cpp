#include "models/diffusion_unet.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace due {
namespace {

namespace nn = torch::nn;

// Groups of at least two channels where possible, at most 32 groups (the usual GroupNorm(32) at larger widths).
std::int64_t norm_groups(std::int64_t channels) {
  std::int64_t groups = std::gcd(channels, std::int64_t{32});
  while (groups > 1 && channels / groups < 2) groups /= 2;
  return std::max<std::int64_t>(groups, 1);
}

// GroupNorm's input in float32. Under bf16 autocast (interpolator.train.precision) a convolution's output is
// bfloat16, and LibTorch 1.13's CPU autocast has no rule for group_norm, whose kernel then refuses bfloat16 input
// with float32 weights; CUDA autocast normalises in float32 anyway (group_norm is on its float32 list). A no-op
// in float32.
torch::Tensor float32(const torch::Tensor& x) { return x.scalar_type() == torch::kBFloat16 ? x.to(torch::kFloat32) : x; }

nn::GroupNorm group_norm(std::int64_t channels) {
  return nn::GroupNorm(nn::GroupNormOptions(norm_groups(channels), channels));
}

nn::Conv2d conv3x3(std::int64_t in, std::int64_t out, std::int64_t stride = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1));
}

nn::Conv2d conv1x1(std::int64_t in, std::int64_t out) { return nn::Conv2d(nn::Conv2dOptions(in, out, 1)); }

// Layers that end a residual branch start at zero, so every block starts as the identity (as in DDPM).
void zero_parameters(nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) p.zero_();
}

bool contains(const std::vector<std::int64_t>& values, std::int64_t value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

torch::Tensor sinusoidal_embedding(const torch::Tensor& values, std::int64_t dim) {
  const std::int64_t half = dim / 2;
  const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(values.device());
  const torch::Tensor frequencies =
      torch::exp(torch::arange(half, options) * (-std::log(10000.0) / static_cast<double>(std::max<std::int64_t>(half, 1))));
  const torch::Tensor arguments = values.to(torch::kFloat32).unsqueeze(1) * frequencies.unsqueeze(0);
  torch::Tensor embedding = torch::cat({torch::sin(arguments), torch::cos(arguments)}, 1);
  if (dim % 2) embedding = torch::nn::functional::pad(embedding, torch::nn::functional::PadFuncOptions({0, 1}));
  return embedding;
}

ResidualBlockImpl::ResidualBlockImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t embedding_dim,
                                     double dropout) {
  norm1_ = register_module("norm1", group_norm(in_channels));
  conv1_ = register_module("conv1", conv3x3(in_channels, out_channels));
  embedding_projection_ = register_module("embedding_projection", nn::Linear(embedding_dim, out_channels));
  norm2_ = register_module("norm2", group_norm(out_channels));
  dropout_ = register_module("dropout", nn::Dropout(dropout));
  conv2_ = register_module("conv2", conv3x3(out_channels, out_channels));
  zero_parameters(*conv2_);
  if (in_channels != out_channels) skip_ = register_module("skip", conv1x1(in_channels, out_channels));
}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& embedding) {
  torch::Tensor h = conv1_(torch::silu(norm1_(float32(x))));
  h = h + embedding_projection_(torch::silu(embedding)).unsqueeze(-1).unsqueeze(-1);
  h = conv2_(dropout_(torch::silu(norm2_(float32(h)))));
  return (skip_ ? skip_(x) : x) + h;
}

SpatialAttentionImpl::SpatialAttentionImpl(std::int64_t channels, std::int64_t heads) : heads_(heads) {
  if (heads < 1 || channels % heads)
    throw std::invalid_argument("attention: " + std::to_string(channels) + " channels do not split into " +
                                std::to_string(heads) + " heads");
  norm_ = register_module("norm", group_norm(channels));
  qkv_ = register_module("qkv", conv1x1(channels, 3 * channels));
  projection_ = register_module("projection", conv1x1(channels, channels));
  zero_parameters(*projection_);
}

torch::Tensor SpatialAttentionImpl::forward(const torch::Tensor& x) {
  const auto b = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const std::int64_t head_channels = c / heads_;
  const auto qkv = qkv_(norm_(float32(x))).reshape({b * heads_, 3 * head_channels, h * w}).chunk(3, 1);
  const double scale = 1.0 / std::sqrt(static_cast<double>(head_channels));
  // [B*heads, HW (query), HW (key)]
  const torch::Tensor weights = torch::softmax(torch::bmm(qkv[0].transpose(1, 2), qkv[1]) * scale, -1);
  const torch::Tensor attended = torch::bmm(qkv[2], weights.transpose(1, 2)).reshape({b, c, h, w});
  return x + projection_(attended);
}

UNetStageImpl::UNetStageImpl(std::int64_t in_channels, std::int64_t out_channels, std::int64_t embedding_dim,
                             double dropout, bool attention, std::int64_t heads) {
  residual_ = register_module("residual", ResidualBlock(in_channels, out_channels, embedding_dim, dropout));
  if (attention) attention_ = register_module("attention", SpatialAttention(out_channels, heads));
}

torch::Tensor UNetStageImpl::forward(const torch::Tensor& x, const torch::Tensor& embedding) {
  torch::Tensor h = residual_(x, embedding);
  return attention_ ? attention_(h) : h;
}

DiffusionUNetImpl::DiffusionUNetImpl(const UNetConfig& config) : config_(config) {
  if (config.residual_on_prior && (!config.prior_channel || config.condition_channels < 3))
    throw std::invalid_argument("DiffusionUNet: residual_on_prior needs a prior condition channel");
  if (config.width < 1 || config.channel_mult.empty() || config.res_blocks < 1 || config.condition_channels < 0)
    throw std::invalid_argument("UNet: width, levels and residual blocks must be positive");
  const std::int64_t width = config.width;
  const std::int64_t embedding_dim = 4 * width;
  // Diffusion time, relative position and gap length, each embedded sinusoidally, then mixed.
  embedding_mlp_ = register_module(
      "embedding_mlp", nn::Sequential(nn::Linear(3 * width, embedding_dim), nn::SiLU(), nn::Linear(embedding_dim, embedding_dim)));
  input_ = register_module("input", conv3x3(1 + config.condition_channels, width));

  const auto levels = static_cast<std::int64_t>(config.levels());
  std::vector<std::int64_t> skip_channels{width};
  std::int64_t channels = width;
  for (std::int64_t level = 0; level < levels; ++level) {
    const std::int64_t out = width * config.channel_mult[level];
    const bool attention = contains(config.attention_levels, level);
    encoder_.emplace_back();
    for (std::int64_t r = 0; r < config.res_blocks; ++r) {
      encoder_.back().push_back(register_module(
          "encoder_" + std::to_string(level) + "_" + std::to_string(r),
          UNetStage(channels, out, embedding_dim, config.dropout, attention, config.heads)));
      channels = out;
      skip_channels.push_back(channels);
    }
    if (level + 1 < levels) {
      downsample_.push_back(register_module("downsample_" + std::to_string(level), conv3x3(channels, channels, 2)));
      skip_channels.push_back(channels);
    }
  }
  middle_attention_ = register_module(
      "middle_attention", UNetStage(channels, channels, embedding_dim, config.dropout, true, config.heads));
  middle_out_ = register_module("middle_out", ResidualBlock(channels, channels, embedding_dim, config.dropout));
  for (std::int64_t level = levels - 1; level >= 0; --level) {
    const std::int64_t out = width * config.channel_mult[level];
    const bool attention = contains(config.attention_levels, level);
    decoder_.emplace_back();
    for (std::int64_t r = 0; r <= config.res_blocks; ++r) {
      const std::int64_t skip = skip_channels.back();
      skip_channels.pop_back();
      decoder_.back().push_back(register_module(
          "decoder_" + std::to_string(level) + "_" + std::to_string(r),
          UNetStage(channels + skip, out, embedding_dim, config.dropout, attention, config.heads)));
      channels = out;
    }
    if (level > 0) upsample_.push_back(register_module("upsample_" + std::to_string(level), conv3x3(channels, channels)));
  }
  output_norm_ = register_module("output_norm", group_norm(channels));
  output_ = register_module("output", conv3x3(channels, 1));
  zero_parameters(*output_);
}

torch::Tensor DiffusionUNetImpl::forward(const torch::Tensor& noisy, const torch::Tensor& conditions,
                                         const torch::Tensor& timestep, const torch::Tensor& position,
                                         const torch::Tensor& gap_length) {
  const std::int64_t multiple = config_.size_multiple();
  if (noisy.dim() != 4 || noisy.size(1) != 1 || noisy.size(2) % multiple || noisy.size(3) % multiple)
    throw std::invalid_argument("UNet: input must be [B, 1, H, W] with H and W multiples of " +
                                std::to_string(multiple) + ", got " + c10::str(noisy.sizes()));
  const std::int64_t width = config_.width;
  const torch::Tensor embedding = embedding_mlp_->forward(torch::cat(
      {sinusoidal_embedding(timestep, width), sinusoidal_embedding(position * 1000.0, width),
       sinusoidal_embedding(gap_length, width)},
      1));

  std::vector<torch::Tensor> skips;
  torch::Tensor h = input_(config_.condition_channels ? torch::cat({noisy, conditions}, 1) : noisy);
  skips.push_back(h);
  for (std::size_t level = 0; level < encoder_.size(); ++level) {
    for (auto& stage : encoder_[level]) {
      h = stage(h, embedding);
      skips.push_back(h);
    }
    if (level < downsample_.size()) {
      h = downsample_[level](h);
      skips.push_back(h);
    }
  }
  h = middle_out_(middle_attention_(h, embedding), embedding);
  for (std::size_t i = 0; i < decoder_.size(); ++i) {
    for (auto& stage : decoder_[i]) {
      h = stage(torch::cat({h, skips.back()}, 1), embedding);
      skips.pop_back();
    }
    if (i < upsample_.size()) {
      h = torch::nn::functional::interpolate(
          h, torch::nn::functional::InterpolateFuncOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest));
      h = upsample_[i](h);
    }
  }
  const torch::Tensor output = output_(torch::silu(output_norm_(float32(h))));
  return config_.residual_on_prior ? output + conditions.narrow(1, 2, 1) : output;
}

}  // namespace due
