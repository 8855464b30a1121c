#pragma once
// The neural-process VAE that predicts the diffusion model's sampling variance of a missing slice directly from
// its gap's two boundary annotation slices (docs/np-vae.md). Context: the boundary slices with their relative
// positions; query: the continuous relative position of the target slice inside the gap and the gap's span, so
// any gap length works. A shared convolutional encoder tags each context slice with its position, the mean of
// the encodings (permutation invariant) gives the prior over a spatial latent; during training a target encoder
// adds the true variance map to that mean for the posterior. The decoder maps (latent, encoded context, query
// position) plus full-resolution, order-free context features (the linear blend p of the boundaries at the query,
// their disagreement, p (1 - p)) to a correction, in logits, of p (1 - p): a variance map in [0, 0.25].
#include <cstdint>
#include <string>

#include <torch/torch.h>

namespace due {

inline constexpr const char* kNpVaeKind = "due-npvae";
// The variance of any distribution on [0, 1] is at most 1/4 (Popoviciu), so that bounds the output.
inline constexpr double kMaxVariance = 0.25;

// L1 regresses the median of the target given the context, MSE its mean. A T-sample variance is a noisy
// estimate that is exactly 0 on most voxels, so its median is 0 nearly everywhere: L1 learns to predict nothing.
enum class Reconstruction { L1, Mse, Gaussian };
Reconstruction parse_reconstruction(const std::string& name);  // "l1" | "mse" | "gaussian"; std::invalid_argument otherwise
const char* reconstruction_name(Reconstruction reconstruction);

struct NpVaeArchitecture {
  std::int64_t height = 0, width = 0;        // slice size the model was trained on
  std::int64_t channels = 32;                // encoder and decoder width
  std::int64_t latent_channels = 8;          // channels of the spatial latent
  std::int64_t levels = 2;                   // stride-2 downsamplings between full resolution and the latent
  std::int64_t position_frequencies = 4;     // Fourier features of the relative position
  Reconstruction reconstruction = Reconstruction::L1;
  double min_scale = 0.01;                   // gaussian: floor of the predicted standard deviation

  // Throws std::invalid_argument naming the field when a value is out of range.
  void validate() const;
  std::string to_yaml() const;
  // Throws std::invalid_argument when a field is missing or malformed.
  static NpVaeArchitecture from_yaml(const std::string& text);
  bool operator==(const NpVaeArchitecture& o) const { return to_yaml() == o.to_yaml(); }
};

// B queries, one per target slice.
struct NpVaeBatch {
  torch::Tensor context;            // [B, 2, H, W] the two boundary annotation slices
  torch::Tensor context_positions;  // [B, 2] their relative positions (0 and 1 for a gap's own boundaries)
  torch::Tensor positions;          // [B] relative position of the target, strictly between the context positions
  torch::Tensor spans;              // [B] slices from boundary to boundary (after - before), >= 2

  NpVaeBatch to(const torch::Device& device) const;
  std::int64_t size() const { return positions.size(0); }
};

// Throws std::invalid_argument when the shapes disagree, the context positions coincide, a query lies outside
// (or on the border of) its gap, or a span is below 2.
void validate_batch(const NpVaeBatch& batch, std::int64_t height, std::int64_t width);

// Features of (relative position, span): [t, sin(pi k t), cos(pi k t) for k = 1..K, log(span)], [B, 2 + 2K + 1].
torch::Tensor position_features(const torch::Tensor& positions, const torch::Tensor& spans, std::int64_t frequencies);

struct NpVaeOutput {
  torch::Tensor variance;          // [B, 1, H, W] in [0, kMaxVariance]
  torch::Tensor scale;             // [B, 1, H, W] gaussian: predicted standard deviation of the target
  torch::Tensor prior_mean, prior_logvar;          // [B, L, h, w]
  torch::Tensor posterior_mean, posterior_logvar;  // training only (undefined otherwise)
};

class NpVaeImpl : public torch::nn::Module {
 public:
  explicit NpVaeImpl(const NpVaeArchitecture& architecture);

  // Training pass: latent drawn from the posterior given the target variance maps ([B, 1, H, W]) with the
  // reparameterisation trick; `noise` is standard normal in latent_shape().
  NpVaeOutput forward_train(const NpVaeBatch& batch, const torch::Tensor& target, const torch::Tensor& noise);
  // Inference: the latent is the prior mean when `noise` is undefined (deterministic), else a prior sample.
  NpVaeOutput predict(const NpVaeBatch& batch, const torch::Tensor& noise = {});

  // Shape of the latent for a batch of `batch` slices of the architecture's size.
  std::vector<std::int64_t> latent_shape(std::int64_t batch) const;
  // Standard normal noise of latent_shape(batch) from its own generator seeded with `seed`, drawn on the CPU so
  // that it is the same on every device, then moved to `device`.
  torch::Tensor latent_noise(std::int64_t batch, std::uint64_t seed, const torch::Device& device) const;
  const NpVaeArchitecture& architecture() const { return architecture_; }

 private:
  struct Encoded {
    torch::Tensor context;    // [B, C, h, w] mean of the context encodings
    torch::Tensor query;      // [B, P] position features of the query
    torch::Tensor prior_mean, prior_logvar;
  };
  Encoded encode_context(const NpVaeBatch& batch);
  torch::Tensor encode(torch::nn::Sequential& trunk, const torch::Tensor& slices, const torch::Tensor& features);
  std::pair<torch::Tensor, torch::Tensor> latent_distribution(const torch::Tensor& representation);
  NpVaeOutput decode(const NpVaeBatch& batch, const Encoded& encoded, const torch::Tensor& latent);

  NpVaeArchitecture architecture_;
  std::int64_t feature_size_;
  torch::nn::Sequential context_trunk_{nullptr}, target_trunk_{nullptr};
  torch::nn::Linear context_position_{nullptr}, target_position_{nullptr}, query_position_{nullptr};
  torch::nn::Conv2d latent_head_{nullptr};
  torch::nn::Conv2d decoder_in_{nullptr};
  torch::nn::ModuleList decoder_up_{nullptr};
  torch::nn::Sequential decoder_out_{nullptr};
};
TORCH_MODULE(NpVae);

// KL(N(mean_q, exp(logvar_q)) || N(mean_p, exp(logvar_p))) per element, in nats.
torch::Tensor gaussian_kl(const torch::Tensor& mean_q, const torch::Tensor& logvar_q, const torch::Tensor& mean_p,
                          const torch::Tensor& logvar_p);

struct NpVaeLoss {
  torch::Tensor total, reconstruction, kl;
};
// Reconstruction: mean over pixels of |target - variance| (l1), of (target - variance)^2 (mse) or of the Gaussian negative log-likelihood with the
// predicted scale. KL: summed over the latent, averaged over the batch, divided by the pixels of a slice, so that
// with the gaussian reconstruction and kl_weight 1 the total is the negative ELBO per pixel.
NpVaeLoss np_vae_loss(const NpVaeOutput& output, const torch::Tensor& target, Reconstruction reconstruction,
                      double kl_weight);

// npvae.pt: kind due-npvae, the architecture as YAML, the weights, provenance.
struct LoadedNpVae {
  NpVae model{nullptr};
  NpVaeArchitecture architecture;
};
// Loads the model onto `device` in eval mode; InputError naming the file when it is not an NP-VAE.
LoadedNpVae load_np_vae(const std::string& path, const torch::Device& device);

}  // namespace due
