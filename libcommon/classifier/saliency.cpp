#include "classifier/saliency.h"

#include <stdexcept>

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
  torch::Tensor activation;
  {
    torch::NoGradGuard no_grad;
    activation = model->features(input, architecture.cam_layer);
  }
  activation.requires_grad_(true);
  const torch::Tensor logits = model->classify_from(activation, architecture.cam_layer);
  const torch::Tensor scores = logits.gather(1, classes.unsqueeze(1)).squeeze(1);
  const torch::Tensor gradients = cam_gradients(scores, activation, /*create_graph=*/false);
  torch::NoGradGuard no_grad;
  std::vector<std::int64_t> size(input.sizes().begin() + 2, input.sizes().end());
  return cam_from_gradients(activation.detach(), gradients, architecture.cam_pooling, size);
}

}  // namespace due
