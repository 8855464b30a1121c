#pragma once
// Explanation-consistency reweighting (due-train-classifier --reweight consistency). A sample whose Grad-CAM
// moves when only its background is nudged adversarially is one whose explanation the model has not settled;
// its prediction loss is weighted up. Per sample:
//   background B: voxels outside the current attention (CAM < threshold) or outside the human annotation
//   x' = x + delta, delta = FGSM (steps 1) or PGD (steps > 1) ascent on the cross-entropy, delta = 0 outside B,
//        |delta| <= epsilon everywhere, x' clipped to the images' range [0, 1]
// Seed paper 003 gives only the idea (its abstract): this metric, the reweighting formula and the attack
// settings are this toolkit's own.
//   consistency c = 1 - mean |CAM(x') - CAM(x)|   (both min-max normalised, so c in [0, 1]; 1 when unmoved)
//   raw weight r = 1 + strength * (1 - c), normalised to mean 1 over the training set
// CAMs are of the true class, computed in eval mode (classifier/saliency.h). See docs/feedback.md.
#include <string>
#include <vector>

#include <torch/torch.h>

#include "classifier/model_file.h"

namespace due {

enum class ConsistencyBackground { Attention, Annotation };

// "attention" | "annotation"; std::invalid_argument otherwise.
ConsistencyBackground parse_consistency_background(const std::string& name);

struct ConsistencySettings {
  double epsilon = 0.03;            // L-infinity bound of the perturbation, in input units (images in [0, 1])
  std::int64_t steps = 1;           // 1: FGSM; > 1: PGD with step 2.5 epsilon / steps
  ConsistencyBackground background = ConsistencyBackground::Attention;
  double attention_threshold = 0.5; // attention background: CAM below this
  std::int64_t refresh_every = 1;   // epochs between recomputing the weights
  double strength = 1.0;            // how much a fully inconsistent sample is weighted up before normalising
};

// The perturbed input: `input` [B, 1, spatial...] moved by at most `epsilon` (L-infinity) on the voxels where
// `background` (same shape, 0/1) is 1, to raise the cross-entropy of `labels`. The model runs in eval mode.
torch::Tensor adversarial_background_step(ResNet18& model, const torch::Tensor& input, const torch::Tensor& labels,
                                          const torch::Tensor& background, double epsilon, std::int64_t steps);

// 1 - mean |a - b| per sample of two [B, spatial...] maps in [0, 1]: [B].
torch::Tensor map_consistency(const torch::Tensor& a, const torch::Tensor& b);

// Weights [N] of consistencies [N]: 1 + strength * (1 - c), divided by their mean (so their mean is 1).
torch::Tensor consistency_weights(const torch::Tensor& consistency, double strength);

// Consistency [B] of a batch. `annotation` [B, spatial...] (0/1, undefined unless the background is the
// annotation's outside) marks the known foreground.
torch::Tensor batch_consistency(ResNet18& model, const torch::Tensor& input, const torch::Tensor& labels,
                                const torch::Tensor& annotation, const ClassifierArchitecture& architecture,
                                const ConsistencySettings& settings);

}  // namespace due

namespace due {

struct TrainingSet;

// Consistency [N] of every sample of a training set, in batches of `batch_size`, on `device`. The annotation
// background reads each positive's "human" target (negatives: all background).
torch::Tensor training_set_consistency(ResNet18& model, const TrainingSet& set, const ClassifierArchitecture& architecture,
                                       const ConsistencySettings& settings, std::size_t batch_size,
                                       const torch::Device& device);

}  // namespace due
