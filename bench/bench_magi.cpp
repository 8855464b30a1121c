// MAGI on noisy phantoms (docs/raters.md, the paper's Table 2 in small): trains the generative annotation model on
// positives whose raters went through the noise protocol, then compares against the clean reference /mask
//   - the soft consensus (mean) of the generated annotations, and
//   - the soft consensus of the noisy raters,
//   - and the hard consensus of each (masks binarised at 0.5, then on where at least half of them agree: the rule
//     of /mask, consensus_of_available),
// by MSE, BCE and 3D SSIM; and, with the clean mask standing in for a perfect Grad-CAM, the annotator weights
// learned by the explanation loss against each rater slot's noise.
//   build/bin/bench_magi [samples=24] [steps=150] [learning_rate=5e-3] [kl_weight=0.01] [balance_lesion=0]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "cli/config.h"
#include "cli/config_schema.h"
#include "data/phantom.h"
#include "metrics/mask_similarity.h"
#include "models/magi.h"
#include "raters/aggregation.h"
#include "positional_arguments.h"

namespace {

constexpr char kUsage[] =
    "bench_magi [samples=24] [steps=150] [learning_rate=5e-3] [kl_weight=0.01] [balance_lesion=0]";

struct Similarity {
  double mse = 0, bce = 0, ssim = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const std::size_t samples = due::bench::positive_count(argc, argv, 1, 24, kUsage), steps = due::bench::positive_count(argc, argv, 2, 150, kUsage);
  const double learning_rate = due::bench::non_negative_number(argc, argv, 3, 5e-3, kUsage), kl_weight = due::bench::non_negative_number(argc, argv, 4, 0.01, kUsage);
  const bool balance_lesion = due::bench::non_negative_number(argc, argv, 5, 0, kUsage) > 0;
  torch::manual_seed(1);
  due::Config config(due::toolkit_config_schema());
  config.apply_assignment("preprocess.block_size=[16, 32, 32]");
  config.apply_assignment("preprocess.phantom.patients=" + std::to_string(samples));
  config.apply_assignment("preprocess.phantom.samples_per_patient=[1,1]");
  config.apply_assignment("preprocess.phantom.positive_fraction=1.0");
  config.apply_assignment("preprocess.phantom.nodule_radius=[0.15, 0.25]");
  // Four equally precise raters, then the protocol: slot 0 clean, the others noisier and noisier.
  for (int r = 0; r < 4; ++r) {
    config.apply_assignment("preprocess.phantom.raters." + std::to_string(r) + ".offset_mm=0.0");
    config.apply_assignment("preprocess.phantom.raters." + std::to_string(r) + ".noise_mm=0.15");
  }
  config.apply_assignment("preprocess.rater_noise.enabled=true");
  config.apply_assignment("preprocess.rater_noise.steps=[0, 1, -2, 3]");
  config.apply_assignment("preprocess.rater_noise.fraction=[1.0, 0.5, 1.0, 1.0]");
  const due::PhantomConfig phantom = due::phantom_config_from(config);
  const auto specs = due::plan_phantoms(phantom, 7);
  const auto& shape = phantom.shape;
  const std::int64_t N = static_cast<std::int64_t>(specs.size()), R = 4, D = static_cast<std::int64_t>(shape.depth),
                     H = static_cast<std::int64_t>(shape.height), W = static_cast<std::int64_t>(shape.width);
  torch::Tensor images = torch::empty({N, 1, D, H, W}), raters = torch::empty({N, R, D, H, W}),
                present = torch::empty({N, R}), truth = torch::empty({N, D, H, W});
  for (std::int64_t i = 0; i < N; ++i) {
    const due::DatasetSample s = due::generate_phantom(phantom, specs[static_cast<std::size_t>(i)]);
    images[i][0].copy_(torch::tensor(s.image).view({D, H, W}));
    raters[i].copy_(torch::tensor(std::vector<float>(s.raters.begin(), s.raters.end())).view({R, D, H, W}));
    present[i].copy_(torch::tensor(std::vector<float>(s.rater_present.begin(), s.rater_present.end())));
    truth[i].copy_(torch::tensor(std::vector<float>(s.mask.begin(), s.mask.end())).view({D, H, W}));
  }

  due::MagiOptions options;
  options.annotators = R;
  due::MagiModel model(options);
  torch::optim::Adam adam(model->parameters(), torch::optim::AdamOptions(learning_rate));
  const std::int64_t batch = 4;
  const auto start = std::chrono::steady_clock::now();
  std::map<std::pair<std::int64_t, std::int64_t>, int> matched;  // (slot, annotator) -> count, last quarter
  for (std::size_t step = 0; step < steps; ++step) {
    const std::int64_t first = static_cast<std::int64_t>(step) * batch % N;
    const torch::Tensor index = (torch::arange(batch) + first).remainder(N);
    const torch::Tensor x = images.index_select(0, index), r = raters.index_select(0, index),
                        p = present.index_select(0, index), t = truth.index_select(0, index);
    adam.zero_grad();
    const due::MagiOutput out = model->forward(x, r, p);
    const due::MagiGenerationLoss gen = due::magi_generation_loss(out, r, p, kl_weight, balance_lesion);
    const torch::Tensor explanation = due::magi_explanation_loss(out.masks.detach(), t, model->annotator_weights());
    (gen.total + explanation.mean()).backward();
    adam.step();
    if (step >= steps * 3 / 4)
      for (const auto& row : gen.annotator_of_rater)
        for (std::int64_t slot = 0; slot < R; ++slot)
          if (row[static_cast<std::size_t>(slot)] >= 0) ++matched[{slot, row[static_cast<std::size_t>(slot)]}];
    if (step % 25 == 0 || step + 1 == steps)
      std::printf("step %4zu  reconstruction %.4f  kl %.4f  explanation %.4f\n", step,
                  gen.reconstruction.item<double>(), gen.kl.item<double>(), explanation.mean().item<double>());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  model->eval();
  torch::NoGradGuard no_grad;
  Similarity generated, noisy, generated_hard, noisy_hard;
  double generated_inside = 0, generated_outside = 0;  // mean generated probability inside / outside /mask
  const std::array<std::size_t, 3> dims{shape.depth, shape.height, shape.width};
  const std::size_t voxels = shape.voxels();
  for (std::int64_t i = 0; i < N; ++i) {
    const auto sl = torch::indexing::Slice(i, i + 1);
    const torch::Tensor generated_masks =
        model->forward(images.index({sl}), raters.index({sl}), present.index({sl})).masks;  // [1, U, D, H, W]
    const torch::Tensor soft_generated = generated_masks[0].mean(0).contiguous();
    const torch::Tensor hard_generated =
        due::consensus_of_available((generated_masks > 0.5).to(torch::kFloat), torch::ones({1, R}), 0.5)[0].contiguous();
    const torch::Tensor hard_noisy = due::consensus_of_available(raters.index({sl}), present.index({sl}), 0.5)[0].contiguous();
    const torch::Tensor soft_noisy = (raters[i] * present[i].view({R, 1, 1, 1})).sum(0) / present[i].sum().clamp_min(1);
    const torch::Tensor reference = truth[i].contiguous();
    const torch::Tensor reference_bytes = reference.to(torch::kUInt8).contiguous();
    const torch::Tensor noisy_c = soft_noisy.contiguous();
    generated_inside += (soft_generated * reference).sum().item<double>() / reference.sum().clamp_min(1).item<double>() / N;
    generated_outside +=
        (soft_generated * (1 - reference)).sum().item<double>() / (1 - reference).sum().clamp_min(1).item<double>() / N;
    for (auto [soft, into] : {std::pair<const torch::Tensor*, Similarity*>{&soft_generated, &generated},
                              std::pair<const torch::Tensor*, Similarity*>{&noisy_c, &noisy},
                              std::pair<const torch::Tensor*, Similarity*>{&hard_generated, &generated_hard},
                              std::pair<const torch::Tensor*, Similarity*>{&hard_noisy, &noisy_hard}}) {
      into->mse += due::mean_squared_error(soft->data_ptr<float>(), reference.data_ptr<float>(), voxels) / N;
      into->bce += due::binary_cross_entropy(soft->data_ptr<float>(), reference_bytes.data_ptr<std::uint8_t>(), voxels) / N;
      into->ssim += due::ssim_3d(soft->data_ptr<float>(), reference.data_ptr<float>(), dims) / N;
    }
  }
  std::printf("\n%lld positives of %lldx%lldx%lld, %zu steps of batch %lld in %.1f s\n", static_cast<long long>(N),
              static_cast<long long>(D), static_cast<long long>(H), static_cast<long long>(W), steps,
              static_cast<long long>(batch), seconds);
  std::printf("balance_lesion %d, learning rate %g, kl_weight %g; mean generated probability inside /mask %.3f, outside %.3f\n",
              balance_lesion ? 1 : 0, learning_rate, kl_weight, generated_inside, generated_outside);
  std::printf("| consensus vs clean /mask | MSE | BCE | SSIM |\n| --- | --- | --- | --- |\n");
  std::printf("| noisy raters (mean) | %.4f | %.4f | %.4f |\n", noisy.mse, noisy.bce, noisy.ssim);
  std::printf("| MAGI generated (mean) | %.4f | %.4f | %.4f |\n", generated.mse, generated.bce, generated.ssim);
  std::printf("| noisy raters (consensus at 0.5) | %.4f | %.4f | %.4f |\n", noisy_hard.mse, noisy_hard.bce, noisy_hard.ssim);
  std::printf("| MAGI generated (consensus at 0.5) | %.4f | %.4f | %.4f |\n", generated_hard.mse, generated_hard.bce,
              generated_hard.ssim);
  const torch::Tensor w = model->annotator_weights();
  std::printf("\n| annotator | weight | rater slots matched to it (last quarter of steps) |\n| --- | --- | --- |\n");
  for (std::int64_t u = 0; u < R; ++u) {
    std::string slots;
    for (std::int64_t slot = 0; slot < R; ++slot)
      if (matched.count({slot, u})) slots += " slot" + std::to_string(slot) + "x" + std::to_string(matched[{slot, u}]);
    std::printf("| %lld | %.3f |%s |\n", static_cast<long long>(u), w[u].item<double>(), slots.c_str());
  }
  std::printf("(slot noise: 0 clean, 1 half a layer out, 2 two layers in, 3 three layers out)\n");
  return 0;
}
