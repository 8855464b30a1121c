#pragma once
// Grad-CAM that can be trained through. The model's forward pass hands back the activations A [B, C, spatial...]
// of one layer; the gradients G = d score / d A come from torch::autograd::grad on the same graph, so there is
// no hook and no second forward pass.
//   cam = min-max( upsample( ReLU( sum_c alpha_c * A_c ) ) )
// with alpha the pooled gradients: over all spatial axes (Grad-CAM, "spatial"), or over height and width
// separately for each depth position ("per-depth", what the published DUE code does; in 2D the same as spatial).
// A loss on the map trains through A always, and through alpha only with CamWeights::Differentiable (G then
// keeps its graph, a second-order path); the published code's weights are constants (CamWeights::Constant).
#include <string>

#include <torch/torch.h>

namespace due {

enum class CamPooling { Spatial, PerDepth };

// "spatial" | "per-depth"; std::invalid_argument otherwise.
CamPooling parse_cam_pooling(const std::string& name);
const char* cam_pooling_name(CamPooling pooling);

// Whether a loss on the training map differentiates the channel weights alpha (docs/classifier.md).
enum class CamWeights { Constant, Differentiable };
// "constant" | "differentiable"; std::invalid_argument otherwise.
CamWeights parse_cam_weights(const std::string& name);
const char* cam_weights_name(CamWeights weights);

// Added to the range in the per-sample min-max, so a flat map becomes 0 rather than NaN.
inline constexpr double kCamNormEpsilon = 1e-6;

// d (sum of scores) / d activation. Each score must depend on its own sample's activations only (true for the
// last layer's output, and for any layer in eval mode); then row b holds d score_b / d A_b. With `create_graph`
// the gradients stay differentiable (training), otherwise they are plain values (explaining).
torch::Tensor cam_gradients(const torch::Tensor& scores, const torch::Tensor& activation, bool create_graph);

// The map from activations and their gradients, both [N, C, spatial...] (spatial: D, H, W or H, W), upsampled
// (trilinear / bilinear; `align_corners` true maps the corner samples onto each other, as the published code
// does, false uses half-pixel centres) to `output_size` and min-max normalised per sample:
// result [N, output_size...] in [0, 1].
torch::Tensor cam_from_gradients(const torch::Tensor& activation, const torch::Tensor& gradients, CamPooling pooling,
                                 c10::IntArrayRef output_size, bool align_corners);

// Per-sample min-max over all but the first axis: (x - min) / (max - min + kCamNormEpsilon).
torch::Tensor min_max_per_sample(const torch::Tensor& maps);

}  // namespace due
