#pragma once
// The guard every training loop puts on its loss values. A NaN or infinite loss (a diverged run, or an input
// that slipped through non-finite) turns every weight NaN at the next optimizer step, and a loop that went on
// would write a NaN model and exit 0; instead training stops there with exit status 2, one line naming the
// step and the loss term, before the model file (or a checkpoint of that step) is written.
#include <string>

#include <torch/torch.h>

namespace due {

// The loss term's value; InputError naming `step` (e.g. "step 12", "epoch 3, batch 2") and `term` when it is
// NaN or infinite. Reads the value with the one .item() the loop makes to log it anyway: no extra sync.
double finite_loss(const torch::Tensor& loss, const std::string& term, const std::string& step);

}  // namespace due
