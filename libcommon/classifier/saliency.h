#pragma once
// Saliency of a trained (or training) classifier for chosen classes, computed in eval mode so BatchNorm uses its
// running statistics and samples do not interact: Grad-CAM (the map the methods supervise) or the input gradient
// |d score / d x|. Shared by the explanation-consistency reweighting and the feedback query. The model's mode is
// restored on return.
#include <string>

#include <torch/torch.h>

#include "classifier/model_file.h"

namespace due {

enum class SaliencyKind { GradCam, InputGradient };

// "grad-cam" | "input-gradient"; std::invalid_argument otherwise.
SaliencyKind parse_saliency_kind(const std::string& name);
const char* saliency_kind_name(SaliencyKind kind);

// Maps [B, spatial...] in [0, 1] (per-sample min-max) of `input` [B, 1, spatial...] for class `classes` [B]
// (int64), detached. Grad-CAM at the architecture's layer and pooling.
torch::Tensor class_saliency(ResNet18& model, const torch::Tensor& input, const torch::Tensor& classes,
                             const ClassifierArchitecture& architecture, SaliencyKind kind = SaliencyKind::GradCam);

// Restores a module's training mode when it goes out of scope.
class TrainingModeGuard {
 public:
  TrainingModeGuard(torch::nn::Module& module, bool training) : module_(module), was_training_(module.is_training()) {
    module_.train(training);
  }
  ~TrainingModeGuard() { module_.train(was_training_); }
  TrainingModeGuard(const TrainingModeGuard&) = delete;
  TrainingModeGuard& operator=(const TrainingModeGuard&) = delete;

 private:
  torch::nn::Module& module_;
  bool was_training_;
};

}  // namespace due
