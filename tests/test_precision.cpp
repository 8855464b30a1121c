// Mixed precision (nn/precision.h): the classifier's step under bf16 autocast computes the same losses as float32
// on the same batch, within bfloat16's precision, and autocast is really on inside the scope and off after it.
#include <catch2/catch.hpp>

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include "classifier/methods.h"
#include "classifier/model_file.h"
#include "classifier/train_step.h"
#include "diffusion/interpolator_trainer.h"
#include "nn/precision.h"
#include "diffusion_support.h"
#include "support.h"

namespace {

// The relative tolerances of the bf16 losses against float32's: bfloat16 keeps 8 significant bits (a relative
// rounding of 2^-9, 0.2%) and a ResNet forward, Grad-CAM and the loss compound it over some tens of roundings.
// Measured (CPU, AVX512-BF16): explanation 0.19%, prediction 1.7%; on an AMD EPYC without AVX-512, where
// LibTorch's bf16 kernels take another path: explanation 0.19%, prediction 5.8% (the untrained head's logits are
// near 0, where the cross-entropy's relative change per unit of logit error is largest). A wrong cast or a loss
// left in float32 would be off by far more, or not at all (checked below).
constexpr double kExplanationTolerance = 0.02;
constexpr double kPredictionTolerance = 0.10;

struct Step {
  due::ClassifierArchitecture architecture;
  due::ResNet18 model{nullptr};
  std::shared_ptr<due::ClassifierObjective> objective;
  due::Batch batch;

  explicit Step(const torch::Device& device) {
    torch::manual_seed(7);
    architecture.network.width = 4;
    architecture.volume = due::VolumeShape{8, 32, 32};
    architecture.method = "due";
    model = due::ResNet18(architecture.network);
    model->train();
    model->to(device);
    objective = std::make_shared<due::ClassifierObjective>(due::find_method("due").make_terms(due::MethodSettings{}));
    const std::int64_t n = 8;
    batch.input = torch::rand({n, 1, 8, 32, 32}).to(device);
    batch.labels = torch::arange(n, torch::kInt64).remainder(2).to(device);
    batch.positives = torch::nonzero(batch.labels == 1).select(1, 0);
    const std::int64_t p = batch.positives.numel();
    batch.targets["human"] = (torch::rand({p, 8, 32, 32}) > 0.8).to(torch::kFloat32).to(device);
    batch.targets["imputed"] = torch::rand({p, 8, 32, 32}).to(device);
    batch.targets["weight"] = torch::rand({p, 8, 32, 32}).to(device);
  }

  // The step's losses; a learning rate of 0 leaves the weights as they were, so both precisions see the same
  // network (BatchNorm in training mode normalises with the batch's own statistics).
  due::ClassifierObjective::Losses losses(due::Precision precision) {
    torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.0));
    return due::train_step(model, *objective, optimizer, batch, architecture, {}, nullptr, precision);
  }
};

void check_bf16_against_float32(const torch::Device& device) {
  Step step(device);
  const auto reference = step.losses(due::Precision::Float32);
  const auto bf16 = step.losses(due::Precision::BFloat16);
  REQUIRE(reference.terms.size() == 1);
  const double explanation32 = reference.terms[0].item<double>(), explanation16 = bf16.terms[0].item<double>();
  const double prediction32 = reference.prediction.item<double>(), prediction16 = bf16.prediction.item<double>();
  INFO("explanation loss float32 " << explanation32 << ", bf16 " << explanation16 << "; prediction loss float32 "
                                   << prediction32 << ", bf16 " << prediction16);
  CHECK(explanation32 > 0.01);
  CHECK(std::abs(explanation16 - explanation32) <= kExplanationTolerance * explanation32);
  CHECK(std::abs(prediction16 - prediction32) <= kPredictionTolerance * prediction32);
  // bf16 really ran: the float32 step repeated gives the same value bit for bit, the bf16 one does not.
  CHECK(step.losses(due::Precision::Float32).terms[0].item<double>() == explanation32);
  CHECK(explanation16 != explanation32);
}

}  // namespace

TEST_CASE("precision: parse, and the autocast scope is on inside and restored after", "[precision]") {
  CHECK(due::parse_precision("float32") == due::Precision::Float32);
  CHECK(due::parse_precision("bf16") == due::Precision::BFloat16);
  CHECK_THROWS_AS(due::parse_precision("fp16"), std::invalid_argument);
  const torch::Device cpu(torch::kCPU);
  const torch::Tensor a = torch::rand({4, 4}), b = torch::rand({4, 4});
  {
    const due::AutocastScope scope(due::Precision::BFloat16, cpu);
    CHECK(at::autocast::is_cpu_enabled());
    CHECK(torch::mm(a, b).scalar_type() == torch::kBFloat16);
  }
  CHECK_FALSE(at::autocast::is_cpu_enabled());
  CHECK(torch::mm(a, b).scalar_type() == torch::kFloat32);
  {
    const due::AutocastScope scope(due::Precision::Float32, cpu);
    CHECK(torch::mm(a, b).scalar_type() == torch::kFloat32);
  }
}

TEST_CASE("precision: the DUE step's losses in bf16 are within 2% (explanation) and 5% (prediction) of float32 (CPU)", "[precision]") {
  torch::set_num_threads(1);
  check_bf16_against_float32(torch::Device(torch::kCPU));
}

TEST_CASE("precision: the DUE step's losses in bf16 are within 2% (explanation) and 5% (prediction) of float32 (CUDA)",
          "[precision][cuda]") {
  if (!torch::cuda::is_available()) {
    WARN("no CUDA device: the CUDA autocast comparison did not run");
    return;
  }
  check_bf16_against_float32(torch::Device(torch::kCUDA));
}

TEST_CASE("precision: due-train-classifier trains with classifier.precision=bf16 and refuses other values",
          "[precision]") {
  due::test::ScratchDir dir;
  const auto made = due::test::run_command(due::test::tool_path("preprocess") +
                                           " --threads 1 --set preprocess.block_size=[8,16,16]"
                                           " --set preprocess.phantom.patients=6 --out " + dir.file("dataset.h5"));
  REQUIRE(made.exit_code == 0);
  const std::string train = due::test::tool_path("train-classifier") +
                            " --threads 1 --set classifier.width=2 --set classifier.batch_size=4 --epochs 1"
                            " --method baseline --data " + dir.file("dataset.h5") + " --out " + dir.file("c.pt");
  const auto bf16 = due::test::run_command(train + " --set classifier.precision=bf16");
  INFO(bf16.output);
  CHECK(bf16.exit_code == 0);
  CHECK(due::test::read_text(dir.file("c.pt.log.csv")).find("\n1,") != std::string::npos);
  const auto fp16 = due::test::run_command(train + " --set classifier.precision=fp16");
  CHECK(fp16.exit_code == 2);
  CHECK(fp16.output.find("classifier.precision") != std::string::npos);
}

TEST_CASE("precision: the interpolator's third step loss in bf16 is within 2% of float32 on the same batch (CPU)",
          "[precision]") {
  torch::set_num_threads(1);
  const due::InterpolatorArchitecture architecture = due::test::tiny_interpolator_architecture(100);
  torch::manual_seed(3);
  const std::vector<torch::Tensor> volumes{(torch::rand({8, 16, 16}) > 0.5).to(torch::kFloat32)};
  const due::TripleBatch batch =
      due::make_triple_batch({{0, 0, 1, 3}, {0, 2, 4, 5}, {0, 3, 5, 7}, {0, 1, 4, 7}}, volumes);
  const torch::Device cpu(torch::kCPU);
  auto first_loss = [&](due::Precision precision) {
    due::InterpolatorTrainingConfig config;
    config.precision = precision;
    torch::manual_seed(11);  // the same initial weights for both
    due::InterpolatorTrainer trainer(architecture, config, cpu);
    // The output layer starts at zero, so the first step's loss is the noise's alone in either precision: the
    // third step's (before its update) is the network's own, after two updates in that precision.
    trainer.step(batch, 41);
    trainer.step(batch, 42);
    return trainer.step(batch, 43);
  };
  const double float32 = first_loss(due::Precision::Float32), bf16 = first_loss(due::Precision::BFloat16);
  INFO("float32 " << float32 << ", bf16 " << bf16);
  CHECK(float32 > 0.1);
  CHECK(std::abs(bf16 - float32) <= 0.02 * float32);
  CHECK(bf16 != float32);
}
