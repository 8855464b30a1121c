#include "classifier/train_step.h"

#include <optional>

#include "explain/grad_cam.h"

namespace due {

torch::Tensor positives_cam(const ResNetOutput& out, const torch::Tensor& labels, const torch::Tensor& positives,
                            const ClassifierArchitecture& architecture) {
  // Each positive's score for its true class. The hooked layer's output reaches the logits only through the
  // remaining blocks and the head; with BatchNorm in training mode those blocks couple the samples of a batch
  // slightly (batch statistics) unless the layer is the last one, the default.
  const torch::Tensor scores = out.logits.gather(1, labels.unsqueeze(1)).squeeze(1).index_select(0, positives);
  // Without create_graph the gradients are plain values: the loss reaches the parameters through the
  // activations only, as in the published code (its hook's gradients carry no graph).
  const bool differentiable = architecture.cam_weights == CamWeights::Differentiable;
  const torch::Tensor gradients = cam_gradients(scores, out.activation, /*create_graph=*/differentiable);
  return cam_from_gradients(out.activation.index_select(0, positives), gradients.index_select(0, positives),
                            architecture.cam_pooling, architecture.input_size(), architecture.cam_align_corners);
}

ClassifierObjective::Losses train_step(ResNet18& model, ClassifierObjective& objective, torch::optim::Optimizer& optimizer,
                                       const Batch& batch, const ClassifierArchitecture& architecture,
                                       const torch::Tensor& sample_weight, ExtraLoss* extra, Precision precision) {
  optimizer.zero_grad();
  // Ends before backward: as torch.autocast is meant to be used, the backward ops run in the forward's dtypes.
  std::optional<AutocastScope> autocast(std::in_place, precision, batch.input.device());
  StepView step;
  step.input = extra && extra->needs_input_gradient ? batch.input.detach().requires_grad_(true) : batch.input;
  step.labels = batch.labels;
  step.positives = batch.positives;
  step.targets = &batch.targets;
  if (objective.needs_cam() && batch.positives.numel() > 0) {
    const ResNetOutput out = model->forward_with_activation(step.input, architecture.cam_layer);
    step.logits = out.logits;
    step.cam = positives_cam(out, batch.labels, batch.positives, architecture);
  } else {
    step.logits = model->forward(step.input);
  }
  ClassifierObjective::Losses losses = objective.compute(step, sample_weight);
  if (extra) {
    extra->value = extra->compute(step);
    if (extra->value.defined()) {
      losses.total = losses.total + extra->value;
      extra->value = extra->value.detach();
    }
  }
  autocast.reset();
  losses.total.backward();
  optimizer.step();
  losses.total = losses.total.detach();
  losses.prediction = losses.prediction.detach();
  for (torch::Tensor& term : losses.terms) term = term.detach();
  return losses;
}

}  // namespace due
