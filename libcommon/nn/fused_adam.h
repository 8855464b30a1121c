#pragma once
// Adam whose update of a float32 CPU parameter is one pass over memory. torch::optim::Adam (LibTorch 1.13) runs
// about eight whole-tensor operations per parameter and allocates two temporaries of the parameter's size each
// step; on a 33 M-parameter 3D ResNet-18 that is a third of a CPU training step, all of it memory traffic.
// FusedAdam reads the parameter, its gradient and both moments once and writes them once, with the same formula
// in the same order (checked against torch::optim::Adam in tests/test_fused_adam.cpp), and keeps Adam's state
// (AdamParamState under the same keys), so checkpoints of either load into the other. Anything else (CUDA, other
// dtypes, non-contiguous tensors, amsgrad, sparse gradients) goes through torch::optim::Adam itself.
#include <torch/torch.h>

namespace due {

class FusedAdam : public torch::optim::Adam {
 public:
  using torch::optim::Adam::Adam;
  torch::Tensor step(LossClosure closure = nullptr) override;
};

}  // namespace due
