#include "classifier/inference.h"

#include <stdexcept>

namespace due {

Prediction predict(ResNet18& model, const torch::Tensor& input, const LayerRef& layer, CamPooling pooling,
                   bool with_cam, bool align_corners) {
  if (model->is_training()) throw std::logic_error("predict: the model must be in eval mode");
  Prediction out;
  if (!with_cam) {
    torch::NoGradGuard no_grad;
    const torch::Tensor logits = model->forward(input);
    out.probability = torch::softmax(logits, 1);
    out.predicted = logits.argmax(1);
    return out;
  }
  torch::Tensor logits;
  out.cam = eval_grad_cam(model, input, layer, pooling, align_corners, {}, &logits);
  out.probability = torch::softmax(logits, 1);
  out.predicted = logits.argmax(1);
  return out;
}

torch::Tensor eval_grad_cam(ResNet18& model, const torch::Tensor& input, const LayerRef& layer, CamPooling pooling,
                            bool align_corners, const torch::Tensor& classes, torch::Tensor* logits) {
  if (model->is_training()) throw std::logic_error("eval_grad_cam: the model must be in eval mode");
  torch::Tensor activation;
  {
    torch::NoGradGuard no_grad;
    activation = model->features(input, layer);
  }
  activation.requires_grad_(true);
  const torch::Tensor all_logits = model->classify_from(activation, layer);
  const torch::Tensor target = classes.defined() ? classes : all_logits.argmax(1);
  const torch::Tensor scores = all_logits.gather(1, target.unsqueeze(1)).squeeze(1);
  const torch::Tensor gradients = cam_gradients(scores, activation, /*create_graph=*/false);
  if (logits) *logits = all_logits.detach();
  std::vector<std::int64_t> size(input.sizes().begin() + 2, input.sizes().end());
  torch::NoGradGuard no_grad;
  return cam_from_gradients(activation.detach(), gradients, pooling, size, align_corners);
}

}  // namespace due
