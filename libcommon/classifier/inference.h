#pragma once
// A trained classifier on a batch: class probabilities, predicted class and the Grad-CAM of the predicted class
// (what due-explain writes and what validation measures), in one forward pass.
#include <torch/torch.h>

#include "explain/grad_cam.h"
#include "models/resnet.h"

namespace due {

struct Prediction {
  torch::Tensor probability;  // [B, classes] softmax
  torch::Tensor predicted;    // [B] int64 argmax
  torch::Tensor cam;          // [B, spatial...] in [0, 1], the input's size; undefined unless asked for
};

// The model must be in eval mode: BatchNorm then uses its running statistics, samples do not interact and the
// whole batch's Grad-CAM comes from one backward pass. The network up to `layer` runs without a graph.
// `align_corners`: the map's upsampling (ClassifierArchitecture::cam_align_corners).
Prediction predict(ResNet18& model, const torch::Tensor& input, const LayerRef& layer, CamPooling pooling,
                   bool with_cam, bool align_corners);

// The Grad-CAM [B, spatial...] of `classes` [B] (undefined: each sample's predicted class), under the same
// eval-mode conditions, without a graph; `logits` (if given) receives the batch's logits [B, classes].
torch::Tensor eval_grad_cam(ResNet18& model, const torch::Tensor& input, const LayerRef& layer, CamPooling pooling,
                            bool align_corners, const torch::Tensor& classes, torch::Tensor* logits = nullptr);

}  // namespace due
