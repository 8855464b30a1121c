#include "classifier/right_reasons.h"

#include <stdexcept>

namespace due {

torch::Tensor right_reasons_penalty(const torch::Tensor& logits, const torch::Tensor& input, const torch::Tensor& marked) {
  if (!input.requires_grad()) throw std::logic_error("right_reasons_penalty: the input must require grad");
  if (marked.sizes() != input.sizes())
    throw std::invalid_argument("right_reasons_penalty: marked " + c10::str(marked.sizes()) +
                                " is not the input's shape " + c10::str(input.sizes()));
  const torch::Tensor probability = torch::softmax(logits, 1);
  const torch::Tensor predicted = probability.detach().argmax(1, /*keepdim=*/true);
  const torch::Tensor score = probability.gather(1, predicted).sum();
  const torch::Tensor gradient = torch::autograd::grad({score}, {input}, /*grad_outputs=*/{}, /*retain_graph=*/true,
                                                       /*create_graph=*/true)[0];
  return (marked * gradient.square()).flatten(1).sum(1);
}

}  // namespace due
