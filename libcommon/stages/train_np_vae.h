#pragma once
#include <string>

namespace due {

struct ToolContext;

struct TrainNpVaePaths {
  std::string data;      // dataset.h5
  std::string variance;  // variance.h5 (the targets)
  std::string out;       // npvae.pt; also <out>.checkpoint and <out>.log.csv
  bool resume = false;
};

// due-train-np-vae: trains the NP-VAE on the variance maps of the training split's positives. Returns the exit
// status.
int run_train_np_vae(ToolContext& context, const TrainNpVaePaths& paths);

}  // namespace due
