#pragma once
// The right-for-the-right-reasons penalty (Ross et al. 2017) that due-train-classifier --feedback adds: the
// input gradient of the summed log class probabilities, squared, on the voxels a person marked irrelevant.
//   penalty_b = sum_v W_bv * (d S_b / d x_bv)^2,   S_b = sum_k log softmax(logits_b)_k
// The gradient is taken with create_graph, so minimising the penalty trains the network by double backward.
// With BatchNorm in training mode the samples of a batch interact slightly through the batch statistics, so the
// gradient of the batch's summed S is used as each sample's own (the same simplification as Grad-CAM in training).
#include <torch/torch.h>

namespace due {

// `input` [B, 1, spatial...] must require grad and `logits` [B, classes] come from it; `marked` has the input's
// shape (0/1 or weights). Returns [B], differentiable with respect to the network's parameters and the input.
torch::Tensor right_reasons_penalty(const torch::Tensor& logits, const torch::Tensor& input, const torch::Tensor& marked);

}  // namespace due
