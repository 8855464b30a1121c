#pragma once
// The human-feedback penalty that due-train-classifier --feedback adds (seed paper 002, Eq. 2): the input gradient
// of the predicted class's output, squared, on the voxels a person marked irrelevant.
//   penalty_b = sum_v W_bv * (d p_b,c / d x_bv)^2,   p_b,c = softmax(logits_b)_c,   c = argmax_k logits_b,k
// The predicted class is a constant (argmax has no gradient). Ross et al.'s original right-for-the-right-reasons
// term differentiates S = sum_k log p_k instead, but for two classes dS/dz = 1 - 2 p, zero at p = 0.5: exactly the
// uncertain samples entropy sampling queries, so the feedback would do nothing there (docs/feedback.md).
// The gradient is taken with create_graph, so minimising the penalty trains the network by double backward.
// With BatchNorm in training mode the samples of a batch interact slightly through the batch statistics, so the
// gradient of the batch's summed output is used as each sample's own (the same simplification as Grad-CAM in
// training).
#include <torch/torch.h>

namespace due {

// `input` [B, 1, spatial...] must require grad and `logits` [B, classes] come from it; `marked` has the input's
// shape (0/1 or weights). Returns [B], differentiable with respect to the network's parameters and the input.
torch::Tensor right_reasons_penalty(const torch::Tensor& logits, const torch::Tensor& input, const torch::Tensor& marked);

}  // namespace due
