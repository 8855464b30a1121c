#pragma once
// One optimisation step of the classifier: forward, the positives' Grad-CAM for their true class from the same
// pass (graph kept so the explanation loss trains through it; through the channel weights too only with
// CamWeights::Differentiable), the objective, backward, optimizer step.
// Shared by due-train-classifier and bench/bench_train_step.
#include <functional>

#include <torch/torch.h>

#include "classifier/methods.h"
#include "classifier/model_file.h"
#include "classifier/training_set.h"
#include "nn/precision.h"

namespace due {

// A loss added to the objective's total (e.g. the right-for-the-right-reasons penalty of --feedback).
struct ExtraLoss {
  bool needs_input_gradient = false;                      // the input requires grad for the forward pass
  std::function<torch::Tensor(const StepView&)> compute;  // a weighted scalar; undefined result: nothing added
  torch::Tensor value;                                    // set by train_step (detached; undefined if nothing)
};

// The model must be in training mode. `sample_weight` [B] (undefined: all 1) weights each sample's
// cross-entropy; `extra` (may be null) adds its loss. `precision` bf16: forward, Grad-CAM and losses under
// bfloat16 autocast (nn/precision.h), backward and the update as usual. Returns the step's losses (detached).
ClassifierObjective::Losses train_step(ResNet18& model, ClassifierObjective& objective, torch::optim::Optimizer& optimizer,
                                       const Batch& batch, const ClassifierArchitecture& architecture,
                                       const torch::Tensor& sample_weight = {}, ExtraLoss* extra = nullptr,
                                       Precision precision = Precision::Float32);

// The positives' trainable Grad-CAM [P, spatial...] from a forward pass's output (the step above uses it;
// exposed for tests).
torch::Tensor positives_cam(const ResNetOutput& out, const torch::Tensor& labels, const torch::Tensor& positives,
                            const ClassifierArchitecture& architecture);

}  // namespace due
