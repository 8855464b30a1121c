#include <catch2/catch.hpp>

#include <torch/torch.h>

#include "models/resnet.h"

TEST_CASE("resnet: 3D layer4 is 8 x width x 4 x 4 x 4 at the paper's 64 x 128 x 128", "[models]") {
  torch::manual_seed(1);
  due::ResNet18 model(due::ResNetConfig{3, 2, 1, 2});
  torch::NoGradGuard no_grad;
  model->eval();
  const auto out = model->forward_with_activation(torch::rand({1, 1, 64, 128, 128}), due::parse_layer_ref("layer4"));
  CHECK(out.activation.sizes() == c10::IntArrayRef{1, 16, 4, 4, 4});
  CHECK(out.logits.sizes() == c10::IntArrayRef{1, 2});
  const auto demo = torch::rand({2, 1, 32, 64, 64});
  CHECK(model->features(demo, due::parse_layer_ref("layer4")).sizes() == c10::IntArrayRef{2, 16, 2, 2, 2});
  CHECK(model->features(demo, due::parse_layer_ref("layer2.0")).sizes() == c10::IntArrayRef{2, 4, 8, 8, 8});
  CHECK(model->features(demo, due::parse_layer_ref("layer1")).sizes() == c10::IntArrayRef{2, 2, 16, 16, 16});
  // The split pass and the plain pass agree.
  CHECK(torch::allclose(model->forward(demo), model->forward_with_activation(demo, due::parse_layer_ref("layer3")).logits));
}

TEST_CASE("resnet: 2D on slices, parameter count of the standard ResNet-18 at width 64", "[models]") {
  due::ResNet18 model2d(due::ResNetConfig{2, 64, 1, 2});
  std::int64_t count = 0;
  for (const auto& p : model2d->parameters()) count += p.numel();
  // torchvision's resnet18 has 11,689,512 parameters with 3 input channels and 1000 classes; with 1 channel
  // (-2 * 64 * 49) and 2 classes (-998 * 513) it has 11,170,240.
  CHECK(count == 11689512 - 2 * 64 * 49 - 998 * 513);
  torch::NoGradGuard no_grad;
  model2d->eval();
  const auto out = model2d->forward_with_activation(torch::rand({2, 1, 128, 128}), due::parse_layer_ref("layer4"));
  CHECK(out.activation.sizes() == c10::IntArrayRef{2, 512, 4, 4});
  CHECK_THROWS_AS(model2d->forward(torch::rand({2, 1, 8, 32, 32})), std::invalid_argument);
}

TEST_CASE("resnet: layer names", "[models]") {
  CHECK(due::parse_layer_ref("layer4").layer == 4);
  CHECK(due::parse_layer_ref("layer4").block == -1);
  CHECK(due::parse_layer_ref("layer2.1").block == 1);
  CHECK(due::layer_ref_name(due::parse_layer_ref("layer3.0")) == "layer3.0");
  for (const char* bad : {"layer5", "layer0", "layer4.2", "layer", "conv1", "layer4.", "layer4.0x"}) {
    INFO(bad);
    CHECK_THROWS_AS(due::parse_layer_ref(bad), std::invalid_argument);
  }
}
