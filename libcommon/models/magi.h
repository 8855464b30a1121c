#pragma once
// MAGI's generative annotation model (Zhang et al., ICCV 2023) in 3D: from an image and whichever rater masks a
// sample has, generate every annotator's mask; the observed masks, whose annotator is unknown, are matched to the
// annotators by a minimum-cost assignment. Learned annotator weights then weigh the explanation loss.
// Shapes: image [B, 1, D, H, W] in [0, 1]; raters [B, R, D, H, W] in {0, 1}; present [B, R] in {0, 1}.
#include <cstdint>
#include <vector>

#include <torch/torch.h>

namespace due {

struct MagiOptions {
  std::int64_t annotators = 4;       // U, the annotators the model learns (at least the dataset's rater slots)
  std::int64_t width = 8;            // channels at full resolution; 2 * width at half resolution
  std::int64_t latent_channels = 4;  // channels of each latent (image, annotation), at half resolution
  std::int64_t embedding_dim = 4;    // per-annotator embedding
};

struct MagiOutput {
  torch::Tensor masks;  // [B, U, D, H, W]: each annotator's generated mask (probabilities)
  torch::Tensor image_mean, image_logvar;            // [B, L, ceil(D/2), ceil(H/2), ceil(W/2)]
  torch::Tensor annotation_mean, annotation_logvar;  // same
};

class MagiModelImpl : public torch::nn::Module {
 public:
  explicit MagiModelImpl(const MagiOptions& options);

  // The annotation encoder sees the image and the mean of the sample's present masks (zeros when none), so it
  // is blind to rater order; in training mode the latents are sampled (reparameterised), in eval mode their means.
  MagiOutput forward(const torch::Tensor& image, const torch::Tensor& raters, const torch::Tensor& present);

  // w = softmax(annotator logits), [U]: on the simplex by construction.
  torch::Tensor annotator_weights() const;
  const MagiOptions& options() const { return options_; }

 private:
  torch::Tensor decode(const torch::Tensor& image, const torch::Tensor& image_latent,
                       const torch::Tensor& annotation_latent);

  MagiOptions options_;
  torch::nn::Sequential image_encoder_{nullptr}, annotation_encoder_{nullptr};
  torch::nn::Sequential decoder_low_{nullptr}, decoder_high_{nullptr};
  torch::Tensor annotator_embedding_, annotator_logits_;
};
TORCH_MODULE(MagiModel);

// KL(N(mean, exp(logvar)) || N(0, 1)) in closed form, -0.5 * (1 + logvar - mean^2 - exp(logvar)), averaged over
// every element (so its scale does not grow with the latent's size).
torch::Tensor gaussian_kl(const torch::Tensor& mean, const torch::Tensor& logvar);

struct MagiGenerationLoss {
  torch::Tensor total;           // reconstruction + kl_weight * kl
  torch::Tensor reconstruction;  // mean over the batch's observed masks of L1(observed, matched annotator's mask)
  torch::Tensor kl;              // image KL + annotation KL
  // [B][R]: the annotator each rater slot was matched to, -1 where the slot is absent.
  std::vector<std::vector<std::int64_t>> annotator_of_rater;
};

// Per sample, cost[r][u] = mean |observed mask r - generated mask u| over the voxels; the present raters are
// assigned distinct annotators at minimum total cost (raters/assignment.h). Annotators matched to no observed
// mask (missing raters) are still generated and enter the explanation loss; they just have nothing to match here.
// balance_lesion: the L1 (cost and loss alike) is the mean of the lesion voxels' L1 and the background voxels' L1 of
// the observed mask (the plain L1 where it is empty or full), so a small lesion weighs as much as its background
// (not in MAGI; against the collapse to empty masks described in docs/raters.md).
MagiGenerationLoss magi_generation_loss(const MagiOutput& output, const torch::Tensor& raters,
                                        const torch::Tensor& present, double kl_weight = 1.0,
                                        bool balance_lesion = false);

// [B]: sum_u w_u * mean |masks[b, u] - cam[b]| over the voxels. masks [B, U, D, H, W]; cam [B, D, H, W] or
// [B, 1, D, H, W]; weights [U] (annotator_weights()). Gradients reach cam, weights and masks alike: pass
// masks.detach() to keep the explanation loss from reshaping the generator.
torch::Tensor magi_explanation_loss(const torch::Tensor& masks, const torch::Tensor& cam, const torch::Tensor& weights);

}  // namespace due
