// FusedAdam against torch::optim::Adam: the same parameters after the same gradients, the first step worked by
// hand, Adam's own path for what is not fused, and checkpoints that load into either.
#include <catch2/catch.hpp>

#include <cmath>

#include <torch/torch.h>

#include "nn/checkpoint.h"
#include "nn/fused_adam.h"
#include "support.h"

namespace {

// Parameters of several shapes, one larger than a parallel task so the update is split across threads.
std::vector<torch::Tensor> make_parameters(torch::Dtype dtype = torch::kFloat32) {
  torch::manual_seed(3);
  std::vector<torch::Tensor> parameters{torch::randn({70001}, dtype), torch::randn({8, 4, 3, 3, 3}, dtype),
                                        torch::randn({5}, dtype)};
  for (torch::Tensor& p : parameters) p.requires_grad_(true);
  return parameters;
}

std::vector<torch::Tensor> copies(const std::vector<torch::Tensor>& parameters) {
  std::vector<torch::Tensor> out;
  for (const torch::Tensor& p : parameters) out.push_back(p.detach().clone().requires_grad_(true));
  return out;
}

// The same seeded gradients for both parameter lists; step k draws its own.
void set_gradients(std::vector<torch::Tensor>& a, std::vector<torch::Tensor>& b, int k) {
  torch::manual_seed(100 + k);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const torch::Tensor g = torch::randn_like(a[i]) * static_cast<double>(i + 1);
    a[i].mutable_grad() = g.clone();
    b[i].mutable_grad() = g.clone();
  }
}

double max_difference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>());
  return worst;
}

}  // namespace

TEST_CASE("fused Adam: the parameters torch::optim::Adam reaches, with and without weight decay", "[fused-adam]") {
  for (double decay : {0.0, 0.05}) {
    INFO("weight decay " << decay);
    std::vector<torch::Tensor> fused_parameters = make_parameters(), reference_parameters = copies(fused_parameters);
    const auto options = torch::optim::AdamOptions(1e-2).weight_decay(decay);
    due::FusedAdam fused(fused_parameters, options);
    torch::optim::Adam reference(reference_parameters, options);
    for (int k = 0; k < 8; ++k) {
      set_gradients(fused_parameters, reference_parameters, k);
      fused.step();
      reference.step();
    }
    // Same formula, same order; only a compiler's contraction of a * b + c may differ by an ulp.
    CHECK(max_difference(fused_parameters, reference_parameters) < 1e-6);
    CHECK(max_difference(fused_parameters, make_parameters()) > 1e-2);  // it did move them
  }
}

TEST_CASE("fused Adam: the first step moves each weight by lr * g / (|g| + eps), worked by hand", "[fused-adam]") {
  // Step 1: m = (1 - b1) g and v = (1 - b2) g^2, so after bias correction m^ = g and v^ = g^2.
  torch::Tensor p = torch::tensor({1.0f, -2.0f, 0.5f, 3.0f}).requires_grad_(true);
  const std::vector<float> g{0.3f, -4.0f, 1e-3f, 0.0f};
  p.mutable_grad() = torch::tensor(g);
  due::FusedAdam adam({p}, torch::optim::AdamOptions(0.1));
  adam.step();
  const std::vector<float> start{1.0f, -2.0f, 0.5f, 3.0f};
  for (std::size_t i = 0; i < g.size(); ++i)
    CHECK(p[static_cast<std::int64_t>(i)].item<double>() ==
          Approx(start[i] - 0.1 * g[i] / (std::abs(g[i]) + 1e-8)).margin(1e-6));
}

TEST_CASE("fused Adam: what it does not fuse goes through torch::optim::Adam unchanged", "[fused-adam]") {
  std::vector<torch::Tensor> doubles = make_parameters(torch::kFloat64), reference = copies(doubles);
  torch::Tensor fused_float = torch::randn({300}).requires_grad_(true);
  torch::Tensor reference_float = fused_float.detach().clone().requires_grad_(true);
  std::vector<torch::Tensor> fused_all = doubles, reference_all = reference;
  fused_all.push_back(fused_float);
  reference_all.push_back(reference_float);
  due::FusedAdam fused(fused_all, torch::optim::AdamOptions(1e-2));
  torch::optim::Adam adam(reference_all, torch::optim::AdamOptions(1e-2));
  for (int k = 0; k < 3; ++k) {
    set_gradients(fused_all, reference_all, k);
    fused.step();
    adam.step();
  }
  for (std::size_t i = 0; i < doubles.size(); ++i) CHECK(torch::equal(doubles[i], reference[i]));  // Adam's own path
  CHECK((fused_float - reference_float).abs().max().item<double>() < 1e-6);
  CHECK(fused_float.grad().defined());  // gradients hidden from Adam's call are given back

  // amsgrad is never fused: identical to Adam's.
  std::vector<torch::Tensor> a = make_parameters(), b = copies(a);
  due::FusedAdam fused_ams(a, torch::optim::AdamOptions(1e-2).amsgrad(true));
  torch::optim::Adam adam_ams(b, torch::optim::AdamOptions(1e-2).amsgrad(true));
  for (int k = 0; k < 3; ++k) {
    set_gradients(a, b, k);
    fused_ams.step();
    adam_ams.step();
  }
  CHECK(max_difference(a, b) == 0);
}

TEST_CASE("fused Adam: its checkpoint resumes in torch::optim::Adam and back", "[fused-adam]") {
  due::test::ScratchDir dir;
  std::vector<torch::Tensor> straight = make_parameters(), resumed = copies(straight);
  due::FusedAdam fused(straight, torch::optim::AdamOptions(1e-2));
  {
    due::FusedAdam first(resumed, torch::optim::AdamOptions(1e-2));
    for (int k = 0; k < 3; ++k) {
      set_gradients(straight, resumed, k);
      fused.step();
      first.step();
    }
    due::CheckpointWriter writer("due-test");
    writer.add_optimizer("optimizer", first);
    writer.save(dir.file("fused.ckpt"));
  }
  torch::optim::Adam plain(resumed, torch::optim::AdamOptions(1e-2));
  due::CheckpointReader(dir.file("fused.ckpt"), "due-test").load_optimizer("optimizer", plain);
  for (int k = 3; k < 6; ++k) {
    set_gradients(straight, resumed, k);
    fused.step();
    plain.step();
  }
  // Without the saved moments and step count the two would part at once (Adam's first step is lr * sign(g)).
  CHECK(max_difference(straight, resumed) < 1e-6);
  {
    due::CheckpointWriter writer("due-test");
    writer.add_optimizer("optimizer", plain);
    writer.save(dir.file("plain.ckpt"));
  }
  due::FusedAdam again(resumed, torch::optim::AdamOptions(1e-2));
  due::CheckpointReader(dir.file("plain.ckpt"), "due-test").load_optimizer("optimizer", again);
  set_gradients(straight, resumed, 6);
  fused.step();
  again.step();
  CHECK(max_difference(straight, resumed) < 1e-6);
}
