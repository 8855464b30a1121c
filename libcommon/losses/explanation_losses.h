#pragma once
// The explanation losses of the methods, as functions of a batch of maps. Every argument is [P, spatial...]
// (P samples, spatial D, H, W or H, W) and every function returns the per-sample losses [P], so the caller
// averages over the positives (or weights samples) as its method says; RES-G's robust term is the exception
// (its threshold and its mean are the batch's, as in the RES code). Formulas: docs/classifier.md.
#include <torch/torch.h>

namespace due {

// Soft binarisation of a map at `threshold` (a number or a tensor that broadcasts): tanh(5 (cam - threshold)),
// in (-1, 1). Neither DUE's nor RES's published code clips it.
torch::Tensor soft_binarise(const torch::Tensor& cam, const torch::Tensor& threshold);

// Mean over the map of weight * |cam - target|; an undefined `weight` means all ones.
torch::Tensor weighted_l1(const torch::Tensor& cam, const torch::Tensor& target, const torch::Tensor& weight = {});

// DUE's binary term: over the foreground of the human annotation M (M > 0.5), the mean of
// W * |soft_binarise(cam, 0.5) - M|; 0 for a sample whose M is empty. An undefined `weight` means all ones.
torch::Tensor due_binary_term(const torch::Tensor& cam, const torch::Tensor& human, const torch::Tensor& weight = {});

// DUE's explanation loss: binary term (M) + continuous term mean(W * |cam - I|) (I the imputed annotation).
// With `weight` undefined (W = 1 everywhere) it is DUE-unweighted, the ablation of the weighting alone.
torch::Tensor due_loss(const torch::Tensor& cam, const torch::Tensor& human, const torch::Tensor& imputed,
                       const torch::Tensor& weight = {});

// Baseline+ (the paper's, section 5.1): DUE's loss form with W = 1 counted on the annotated slices only, against
// the provided annotation there: for each sample, with S its annotated depth indices (`annotated` [P, D] > 0.5),
// cam_S and M_S the [|S|, H, W] slices of the [P, D, H, W] map and human annotation,
//   due_binary_term(cam_S, M_S) + mean(|cam_S - M_S|).
// The other slices are never read, so neither their annotation nor any imputation can reach the loss or its
// gradient. 0 for a sample with no annotated slice.
torch::Tensor sparse_due_loss(const torch::Tensor& cam, const torch::Tensor& human, const torch::Tensor& annotated);

// Mean binary cross-entropy of the map against a 0/1 (or soft) target (HAICS). The map is clamped to
// [kBceClamp, 1 - kBceClamp] so a min-max normalised map (which is exactly 0 somewhere) has finite loss.
inline constexpr double kBceClamp = 1e-4;
torch::Tensor map_bce(const torch::Tensor& cam, const torch::Tensor& target);

// RES's threshold solver (BF_solver in RES.py), on the whole batch: the annotation is signed (> 0: should be
// above the threshold, < 0: should be below, 0: not annotated). Candidates are every negative pixel's map value
// + kResThresholdEpsilon, then every positive pixel's value, in that order; each scores the share of negative
// pixels strictly below it plus the share of positive pixels at or above it, and the first best candidate wins
// (0 when nothing is annotated). A constant of the step: no gradient flows into it. Returns a scalar tensor.
inline constexpr double kResThresholdEpsilon = 1e-4;
torch::Tensor res_threshold(const torch::Tensor& cam, const torch::Tensor& annotation);

// RES-G's robust term, one number for the batch: ReLU(mean over the annotated pixels (annotation != 0) of the
// whole batch of |tanh(5 (cam - threshold)) - annotation| - slack). 0 when nothing is annotated.
torch::Tensor res_robust_term(const torch::Tensor& cam, const torch::Tensor& annotation, const torch::Tensor& threshold,
                              double slack);

// RES-G's imputed annotation: G / (max(G) + 1e-6) per sample, G the 3x3 Gaussian blur of the annotation's positive
// part (cv2.GaussianBlur(., (3, 3), sigma) as RES.py calls it, see gaussian_blur_3x3). [P, H, W].
torch::Tensor res_blurred_annotation(const torch::Tensor& annotation, double sigma);

// 3x3 Gaussian blur of each 2D map [P, H, W] as OpenCV's cv2.GaussianBlur(map, (3, 3), sigma) computes it:
// sigma <= 0 takes OpenCV's fixed 3-tap kernel (1/4, 1/2, 1/4) (not its sigma formula's 0.8, which OpenCV uses
// only for larger kernels), sigma > 0 the normalised exp(-x^2 / (2 sigma^2)); borders reflected without repeating
// the edge pixel (OpenCV's default BORDER_REFLECT_101).
torch::Tensor gaussian_blur_3x3(const torch::Tensor& maps, double sigma);

}  // namespace due
