#include "classifier/inference.h"

#include <stdexcept>

namespace due {

Prediction predict(ResNet18& model, const torch::Tensor& input, const LayerRef& layer, CamPooling pooling,
                   bool with_cam) {
  if (model->is_training()) throw std::logic_error("predict: the model must be in eval mode");
  Prediction out;
  if (!with_cam) {
    torch::NoGradGuard no_grad;
    const torch::Tensor logits = model->forward(input);
    out.probability = torch::softmax(logits, 1);
    out.predicted = logits.argmax(1);
    return out;
  }
  torch::Tensor activation;
  {
    torch::NoGradGuard no_grad;
    activation = model->features(input, layer);
  }
  activation.requires_grad_(true);
  const torch::Tensor logits = model->classify_from(activation, layer);
  out.probability = torch::softmax(logits, 1).detach();
  out.predicted = logits.argmax(1);
  const torch::Tensor scores = logits.gather(1, out.predicted.unsqueeze(1)).squeeze(1);
  const torch::Tensor gradients = cam_gradients(scores, activation, /*create_graph=*/false);
  std::vector<std::int64_t> size(input.sizes().begin() + 2, input.sizes().end());
  torch::NoGradGuard no_grad;
  out.cam = cam_from_gradients(activation.detach(), gradients, pooling, size);
  return out;
}

}  // namespace due
