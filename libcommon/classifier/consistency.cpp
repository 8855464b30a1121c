#include "classifier/consistency.h"

#include <algorithm>
#include <stdexcept>

#include "classifier/saliency.h"
#include "classifier/training_set.h"

namespace due {

ConsistencyBackground parse_consistency_background(const std::string& name) {
  if (name == "attention") return ConsistencyBackground::Attention;
  if (name == "annotation") return ConsistencyBackground::Annotation;
  throw std::invalid_argument("consistency background '" + name + "' is not attention or annotation");
}

torch::Tensor adversarial_background_step(ResNet18& model, const torch::Tensor& input, const torch::Tensor& labels,
                                          const torch::Tensor& background, double epsilon, std::int64_t steps) {
  if (steps < 1) throw std::invalid_argument("adversarial_background_step: steps must be >= 1");
  if (background.sizes() != input.sizes())
    throw std::invalid_argument("adversarial_background_step: background " + c10::str(background.sizes()) +
                                " is not the input's shape " + c10::str(input.sizes()));
  TrainingModeGuard eval_mode(*model, false);
  // FGSM takes the whole budget in one step; PGD's smaller steps may overshoot and are projected back.
  const double step_size = steps == 1 ? epsilon : 2.5 * epsilon / static_cast<double>(steps);
  const torch::Tensor mask = background.to(input.dtype());
  torch::Tensor delta = torch::zeros_like(input);
  for (std::int64_t s = 0; s < steps; ++s) {
    const torch::Tensor x = (input + delta).detach().requires_grad_(true);
    const torch::Tensor loss = torch::nn::functional::cross_entropy(model->forward(x), labels);
    const torch::Tensor gradient = torch::autograd::grad({loss}, {x})[0];
    torch::NoGradGuard no_grad;
    delta = ((delta + step_size * gradient.sign()).clamp(-epsilon, epsilon) * mask).detach();
    // Keep x' a possible image: intensities are windowed to [0, 1] (io/dataset_store.h), so a perturbation past
    // the window's ends would show the network values no scan has.
    delta = ((input + delta).clamp(0.0, 1.0) - input).detach();
  }
  return (input + delta).detach();
}

torch::Tensor map_consistency(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.sizes() != b.sizes()) throw std::invalid_argument("map_consistency: maps of different shapes");
  return 1.0 - (a - b).abs().flatten(1).mean(1);
}

torch::Tensor consistency_weights(const torch::Tensor& consistency, double strength) {
  const torch::Tensor raw = 1.0 + strength * (1.0 - consistency);
  return raw / raw.mean();
}

torch::Tensor batch_consistency(ResNet18& model, const torch::Tensor& input, const torch::Tensor& labels,
                                const torch::Tensor& annotation, const ClassifierArchitecture& architecture,
                                const ConsistencySettings& settings) {
  const torch::Tensor original = class_saliency(model, input, labels, architecture);
  torch::Tensor background;
  if (settings.background == ConsistencyBackground::Annotation) {
    if (!annotation.defined()) throw std::logic_error("batch_consistency: the annotation background needs masks");
    background = (annotation <= 0.5).to(input.dtype());
  } else {
    background = (original < settings.attention_threshold).to(input.dtype());
  }
  const torch::Tensor perturbed = adversarial_background_step(model, input, labels, background.unsqueeze(1),
                                                              settings.epsilon, settings.steps);
  return map_consistency(class_saliency(model, perturbed, labels, architecture), original);
}

torch::Tensor training_set_consistency(ResNet18& model, const TrainingSet& set, const ClassifierArchitecture& architecture,
                                       const ConsistencySettings& settings, std::size_t batch_size,
                                       const torch::Device& device) {
  const bool annotation_background = settings.background == ConsistencyBackground::Annotation;
  std::vector<torch::Tensor> parts;
  for (std::size_t start = 0; start < set.inputs.size(); start += batch_size) {
    std::vector<std::size_t> members;
    for (std::size_t i = start; i < std::min(set.inputs.size(), start + batch_size); ++i) members.push_back(i);
    const Batch batch = make_batch(set, members, device);
    torch::Tensor annotation;
    if (annotation_background) {
      annotation = torch::zeros_like(batch.input.squeeze(1));
      if (batch.positives.numel() > 0) {
        const auto human = batch.targets.find("human");
        if (human == batch.targets.end())
          throw std::logic_error("training_set_consistency: the training set has no 'human' target");
        annotation.index_copy_(0, batch.positives, human->second.to(annotation.dtype()));
      }
    }
    parts.push_back(batch_consistency(model, batch.input, batch.labels, annotation, architecture, settings));
  }
  return torch::cat(parts);
}

}  // namespace due
