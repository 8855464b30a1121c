#include "models/magi.h"

#include <stdexcept>
#include <tuple>

#include "raters/assignment.h"

namespace due {
namespace {

namespace nn = torch::nn;

nn::Conv3d conv(std::int64_t in, std::int64_t out, std::int64_t kernel, std::int64_t stride = 1) {
  return nn::Conv3d(nn::Conv3dOptions(in, out, kernel).stride(stride).padding(kernel / 2));
}

// Full resolution -> half resolution, 2 * latent channels (mean and log-variance).
nn::Sequential encoder(std::int64_t in, const MagiOptions& o) {
  return nn::Sequential(conv(in, o.width, 3), nn::ReLU(), conv(o.width, 2 * o.width, 3, 2), nn::ReLU(),
                        conv(2 * o.width, 2 * o.width, 3), nn::ReLU(), conv(2 * o.width, 2 * o.latent_channels, 1));
}

// Clamped so exp(logvar) neither overflows nor collapses early in training.
std::pair<torch::Tensor, torch::Tensor> split_latent(const torch::Tensor& x) {
  auto parts = x.chunk(2, 1);
  return {parts[0], parts[1].clamp(-10.0, 10.0)};
}

torch::Tensor sample_latent(const torch::Tensor& mean, const torch::Tensor& logvar, bool training) {
  if (!training) return mean;
  return mean + torch::exp(0.5 * logvar) * torch::randn_like(mean);
}

}  // namespace

MagiModelImpl::MagiModelImpl(const MagiOptions& options) : options_(options) {
  if (options.annotators < 1 || options.width < 1 || options.latent_channels < 1 || options.embedding_dim < 1)
    throw std::invalid_argument("MagiModel: annotators, width, latent_channels and embedding_dim must be >= 1");
  const MagiOptions& o = options_;
  image_encoder_ = register_module("image_encoder", encoder(1, o));
  annotation_encoder_ = register_module("annotation_encoder", encoder(2, o));
  decoder_low_ = register_module(
      "decoder_low", nn::Sequential(conv(2 * o.latent_channels + o.embedding_dim, 2 * o.width, 3), nn::ReLU(),
                                    conv(2 * o.width, 2 * o.width, 3), nn::ReLU()));
  // After upsampling, the image joins again at full resolution so the masks can follow its edges.
  decoder_high_ = register_module(
      "decoder_high", nn::Sequential(conv(2 * o.width + 1, o.width, 3), nn::ReLU(), conv(o.width, 1, 1)));
  annotator_embedding_ = register_parameter("annotator_embedding", torch::randn({o.annotators, o.embedding_dim}));
  annotator_logits_ = register_parameter("annotator_logits", torch::zeros({o.annotators}));
}

torch::Tensor MagiModelImpl::decode(const torch::Tensor& image, const torch::Tensor& image_latent,
                                    const torch::Tensor& annotation_latent) {
  const std::int64_t B = image.size(0), U = options_.annotators;
  const auto low = image_latent.sizes();
  // Every annotator decodes the same latents with its own embedding: one batch of B * U.
  const torch::Tensor latents = torch::cat({image_latent, annotation_latent}, 1).unsqueeze(1).expand(
      {B, U, 2 * options_.latent_channels, low[2], low[3], low[4]});
  const torch::Tensor embedding = annotator_embedding_.view({1, U, options_.embedding_dim, 1, 1, 1})
                                      .expand({B, U, options_.embedding_dim, low[2], low[3], low[4]});
  torch::Tensor x = torch::cat({latents, embedding}, 2).reshape({B * U, -1, low[2], low[3], low[4]});
  x = decoder_low_->forward(x);
  x = torch::nn::functional::interpolate(
      x, torch::nn::functional::InterpolateFuncOptions()
             .size(std::vector<std::int64_t>{image.size(2), image.size(3), image.size(4)})
             .mode(torch::kTrilinear)
             .align_corners(false));
  const torch::Tensor image_per_annotator =
      image.unsqueeze(1).expand({B, U, 1, image.size(2), image.size(3), image.size(4)}).reshape(
          {B * U, 1, image.size(2), image.size(3), image.size(4)});
  x = decoder_high_->forward(torch::cat({x, image_per_annotator}, 1));
  return torch::sigmoid(x).view({B, U, image.size(2), image.size(3), image.size(4)});
}

MagiOutput MagiModelImpl::forward(const torch::Tensor& image, const torch::Tensor& raters,
                                  const torch::Tensor& present) {
  if (image.dim() != 5 || image.size(1) != 1 || raters.dim() != 5 || raters.size(0) != image.size(0) ||
      present.dim() != 2 || present.size(0) != raters.size(0) || present.size(1) != raters.size(1))
    throw std::logic_error("MagiModel: image [B, 1, D, H, W], raters [B, R, D, H, W], present [B, R] expected");
  const torch::Tensor available = (present > 0.5).to(image.scalar_type());
  const torch::Tensor observed_mean =
      (raters.to(image.scalar_type()) * available.view({available.size(0), available.size(1), 1, 1, 1})).sum(1, true) /
      available.sum(1).clamp_min(1).view({-1, 1, 1, 1, 1});

  MagiOutput out;
  std::tie(out.image_mean, out.image_logvar) = split_latent(image_encoder_->forward(image));
  std::tie(out.annotation_mean, out.annotation_logvar) =
      split_latent(annotation_encoder_->forward(torch::cat({image, observed_mean}, 1)));
  out.masks = decode(image, sample_latent(out.image_mean, out.image_logvar, is_training()),
                     sample_latent(out.annotation_mean, out.annotation_logvar, is_training()));
  return out;
}

torch::Tensor MagiModelImpl::annotator_weights() const { return torch::softmax(annotator_logits_, 0); }

torch::Tensor gaussian_kl(const torch::Tensor& mean, const torch::Tensor& logvar) {
  return (-0.5 * (1 + logvar - mean.pow(2) - logvar.exp())).mean();
}

MagiGenerationLoss magi_generation_loss(const MagiOutput& output, const torch::Tensor& raters,
                                        const torch::Tensor& present, double kl_weight, bool balance_lesion) {
  const torch::Tensor& masks = output.masks;
  if (raters.dim() != 5 || raters.size(0) != masks.size(0) || present.size(0) != raters.size(0) ||
      present.size(1) != raters.size(1))
    throw std::logic_error("magi_generation_loss: raters [B, R, D, H, W] and present [B, R] must match the batch");
  const std::int64_t B = raters.size(0), R = raters.size(1), U = masks.size(1);
  // [B, R, U] in one pass over the voxels.
  const torch::Tensor observed = raters.to(masks.scalar_type()).unsqueeze(2);  // [B, R, 1, D, H, W]
  const torch::Tensor difference = (observed - masks.unsqueeze(1)).abs();
  torch::Tensor l1 = difference.mean({3, 4, 5});
  if (balance_lesion) {
    const torch::Tensor lesion = observed.sum({3, 4, 5});
    const torch::Tensor background = observed[0][0].numel() - lesion;
    const torch::Tensor balanced = 0.5 * (difference * observed).sum({3, 4, 5}) / lesion.clamp_min(1) +
                                   0.5 * (difference * (1 - observed)).sum({3, 4, 5}) / background.clamp_min(1);
    l1 = torch::where((lesion > 0) & (background > 0), balanced, l1);
  }
  const torch::Tensor cost = l1.detach().to(torch::kCPU, torch::kDouble).contiguous();
  const torch::Tensor present_cpu = present.to(torch::kCPU, torch::kFloat).contiguous();
  const double* c = cost.data_ptr<double>();
  const float* p = present_cpu.data_ptr<float>();

  MagiGenerationLoss loss;
  loss.annotator_of_rater.assign(static_cast<std::size_t>(B), std::vector<std::int64_t>(static_cast<std::size_t>(R), -1));
  std::vector<std::int64_t> bs, rs, us;
  for (std::int64_t b = 0; b < B; ++b) {
    std::vector<std::int64_t> observed;
    for (std::int64_t r = 0; r < R; ++r)
      if (p[b * R + r] > 0.5f) observed.push_back(r);
    if (observed.empty()) continue;
    std::vector<double> sample_cost(observed.size() * static_cast<std::size_t>(U));
    for (std::size_t k = 0; k < observed.size(); ++k)
      for (std::int64_t u = 0; u < U; ++u)
        sample_cost[k * static_cast<std::size_t>(U) + static_cast<std::size_t>(u)] = c[(b * R + observed[k]) * U + u];
    const Assignment match = min_cost_assignment(sample_cost, observed.size(), static_cast<std::size_t>(U));
    for (std::size_t k = 0; k < observed.size(); ++k) {
      if (match.column_of_row[k] < 0) continue;  // more observed masks than annotators: the extra ones are unused
      bs.push_back(b);
      rs.push_back(observed[k]);
      us.push_back(match.column_of_row[k]);
      loss.annotator_of_rater[static_cast<std::size_t>(b)][static_cast<std::size_t>(observed[k])] = match.column_of_row[k];
    }
  }
  if (bs.empty()) {
    loss.reconstruction = masks.sum() * 0;  // keeps the graph so a caller's backward() still works
  } else {
    const auto index = [&](const std::vector<std::int64_t>& v) { return torch::tensor(v, torch::kLong).to(l1.device()); };
    loss.reconstruction = l1.index({index(bs), index(rs), index(us)}).mean();
  }
  loss.kl = gaussian_kl(output.image_mean, output.image_logvar) +
            gaussian_kl(output.annotation_mean, output.annotation_logvar);
  loss.total = loss.reconstruction + kl_weight * loss.kl;
  return loss;
}

torch::Tensor magi_explanation_loss(const torch::Tensor& masks, const torch::Tensor& cam, const torch::Tensor& weights) {
  const torch::Tensor target = cam.dim() == 5 ? cam : cam.unsqueeze(1);
  if (masks.dim() != 5 || target.dim() != 5 || target.size(1) != 1 || target.size(0) != masks.size(0) ||
      weights.dim() != 1 || weights.size(0) != masks.size(1))
    throw std::logic_error("magi_explanation_loss: masks [B, U, D, H, W], cam [B, (1,) D, H, W], weights [U]");
  const torch::Tensor per_annotator = (masks - target).abs().mean({2, 3, 4});  // [B, U]
  return (per_annotator * weights.view({1, -1})).sum(1);
}

}  // namespace due
