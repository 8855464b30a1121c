#include "classifier/saliency.h"

#include <stdexcept>

#include "classifier/inference.h"
#include "explain/grad_cam.h"

namespace due {

SaliencyKind parse_saliency_kind(const std::string& name) {
  if (name == "grad-cam") return SaliencyKind::GradCam;
  if (name == "input-gradient") return SaliencyKind::InputGradient;
  throw std::invalid_argument("saliency '" + name + "' is not grad-cam or input-gradient");
}

const char* saliency_kind_name(SaliencyKind kind) {
  return kind == SaliencyKind::GradCam ? "grad-cam" : "input-gradient";
}

torch::Tensor class_saliency(ResNet18& model, const torch::Tensor& input, const torch::Tensor& classes,
                             const ClassifierArchitecture& architecture, SaliencyKind kind) {
  TrainingModeGuard eval_mode(*model, false);
  if (kind == SaliencyKind::InputGradient) {
    const torch::Tensor x = input.detach().clone().requires_grad_(true);
    const torch::Tensor scores = model->forward(x).gather(1, classes.unsqueeze(1)).sum();
    const torch::Tensor gradient = torch::autograd::grad({scores}, {x})[0];
    return min_max_per_sample(gradient.abs().squeeze(1)).detach();
  }
  return eval_grad_cam(model, input, architecture.cam_layer, architecture.cam_pooling, architecture.cam_align_corners,
                       classes);
}

}  // namespace due
