#pragma once
// The explanation losses of the methods, as functions of a batch of maps. Every argument is [P, spatial...]
// (P samples, spatial D, H, W or H, W) and every function returns the per-sample losses [P], so the caller
// averages over the positives (or weights samples) as its method says. Formulas: docs/classifier.md.
#include <torch/torch.h>

namespace due {

// Soft binarisation of a map at `threshold` (a number or a tensor that broadcasts, e.g. a learned scalar):
// tanh(5 (cam - threshold)), in (-1, 1); with `clip_negative` ReLU keeps it in [0, 1).
torch::Tensor soft_binarise(const torch::Tensor& cam, const torch::Tensor& threshold, bool clip_negative);

// Mean over the map of weight * |cam - target|; an undefined `weight` means all ones (Baseline+).
torch::Tensor weighted_l1(const torch::Tensor& cam, const torch::Tensor& target, const torch::Tensor& weight = {});

struct DueLossOptions {
  // false (the paper): |tanh(5 (cam - 0.5)) - M|; true (the published code): ReLU on the tanh first.
  bool binary_relu = false;
};

// DUE's binary term: over the foreground of the human annotation M (M > 0.5), the mean of
// W * |soft_binarise(cam, 0.5) - M|; 0 for a sample whose M is empty.
torch::Tensor due_binary_term(const torch::Tensor& cam, const torch::Tensor& human, const torch::Tensor& weight,
                              const DueLossOptions& options);

// DUE's explanation loss: binary term (M) + continuous term mean(W * |cam - I|) (I the imputed annotation).
torch::Tensor due_loss(const torch::Tensor& cam, const torch::Tensor& human, const torch::Tensor& imputed,
                       const torch::Tensor& weight, const DueLossOptions& options);

// Mean binary cross-entropy of the map against a 0/1 (or soft) target (HAICS). The map is clamped to
// [kBceClamp, 1 - kBceClamp] so a min-max normalised map (which is exactly 0 somewhere) has finite loss.
inline constexpr double kBceClamp = 1e-4;
torch::Tensor map_bce(const torch::Tensor& cam, const torch::Tensor& target);

// RES-G's robust loss: mean of ReLU(|ReLU(tanh(5 (cam - threshold))) - target| - slack); `threshold` is
// learned, `target` the Gaussian-softened annotation.
torch::Tensor robust_l1(const torch::Tensor& cam, const torch::Tensor& target, const torch::Tensor& threshold,
                        double slack);

// 3x3 Gaussian blur (normalised kernel of standard deviation `sigma` pixels, zero padding) of each 2D map
// [P, H, W]: the "Gaussian-imputed" annotation of RES-G.
torch::Tensor gaussian_blur_3x3(const torch::Tensor& maps, double sigma);

}  // namespace due
