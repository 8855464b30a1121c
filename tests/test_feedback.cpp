// The pieces of human feedback and explanation-consistency reweighting: entropy selection, the grid and the
// feedback file, simulated marks, the right-for-the-right-reasons penalty and its gradient, the adversarial
// background step, consistency and the sample weights.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include <torch/torch.h>

#include "classifier/consistency.h"
#include "classifier/feedback_file.h"
#include "classifier/right_reasons.h"
#include "classifier/saliency.h"
#include "imaging/cell_marks.h"
#include "support.h"
#include "util/errors.h"

using Catch::Matchers::Contains;

TEST_CASE("feedback: prediction entropy and the highest-entropy query on hand cases", "[feedback]") {
  const std::vector<std::vector<float>> p{{0.9f, 0.1f}, {0.5f, 0.5f}, {1.f, 0.f}, {0.6f, 0.4f}, {0.5f, 0.5f}};
  const std::vector<double> h = due::prediction_entropy(p);
  REQUIRE(h.size() == 5);
  CHECK(h[0] == Approx(0.325083).epsilon(1e-5));
  CHECK(h[1] == Approx(std::log(2.0)).epsilon(1e-6));
  CHECK(h[2] == 0.0);
  CHECK(h[3] == Approx(0.673012).epsilon(1e-5));
  // Ties (rows 1 and 4) keep their order; k larger than the set returns everything.
  CHECK(due::highest_entropy(h, 3) == std::vector<std::size_t>{1, 4, 3});
  CHECK(due::highest_entropy(h, 9) == std::vector<std::size_t>{1, 4, 3, 0, 2});
  CHECK(due::highest_entropy(h, 0).empty());
}

TEST_CASE("feedback: grid cells, the most salient ones, simulated marks and the marked voxels", "[feedback]") {
  const due::VolumeShape shape{4, 4, 6};
  std::vector<float> saliency(shape.voxels(), 0.f);
  const auto at = [&](std::size_t z, std::size_t y, std::size_t x) { return (z * 4 + y) * 6 + x; };
  saliency[at(0, 0, 0)] = 1.f;  // cell 0 (2x2x4 = 16 voxels): mean 1/16
  saliency[at(3, 3, 5)] = 0.8f; // cell 7, cut short along x (2x2x2 = 8 voxels): mean 0.1
  const auto cells = due::grid_cells(saliency, shape, {2, 2, 4});
  REQUIRE(cells.size() == 8);
  CHECK(cells[7].begin == std::array<std::size_t, 3>{2, 2, 4});
  CHECK(cells[7].end == std::array<std::size_t, 3>{4, 4, 6});
  CHECK(cells[1].begin == std::array<std::size_t, 3>{0, 0, 4});
  CHECK(cells[0].saliency == Approx(1.0 / 16));
  CHECK(cells[7].saliency == Approx(0.1));
  CHECK(cells[3].saliency == 0.0);
  auto top = due::most_salient_cells(cells, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0].index == 7);
  CHECK(top[0].number == 1);
  CHECK(top[1].index == 0);
  CHECK(top[2].index == 1);  // the zero cells in grid order
  CHECK(top[2].number == 3);

  // The lesion touches cell 0 only: the other two listed cells are marked.
  std::vector<std::uint8_t> mask(shape.voxels(), 0);
  mask[at(1, 1, 3)] = 1;
  due::FeedbackSample sample;
  sample.cells = top;
  CHECK(due::simulate_marks(sample, mask, shape) == 2);
  CHECK(sample.cells[0].irrelevant);
  CHECK_FALSE(sample.cells[1].irrelevant);
  CHECK(sample.cells[2].irrelevant);
  const std::vector<float> marked = due::marked_voxels(sample, shape);
  double sum = 0;
  for (float v : marked) sum += v;
  CHECK(sum == 8 + 8);  // cells 7 and 1, both cut short along x
  CHECK(marked[at(3, 3, 5)] == 1.f);
  CHECK(marked[at(0, 0, 0)] == 0.f);
  CHECK(marked[at(0, 1, 5)] == 1.f);
  CHECK_THROWS_AS(due::grid_cells(saliency, shape, {0, 2, 2}), std::invalid_argument);
}

TEST_CASE("feedback: the feedback file round-trips, reads a person's edits and rejects bad entries", "[feedback]") {
  due::test::ScratchDir dir;
  due::FeedbackFile file;
  file.model = "runs/x/classifier.pt";
  file.dataset = "runs/x/dataset.h5";
  file.saliency = "grad-cam";
  file.volume = {4, 4, 6};
  file.cell_size = {2, 2, 4};
  file.provenance = due::make_provenance("due-explain");
  file.provenance.seed = 7;
  file.provenance.config_yaml = "explain:\n  query: entropy\n";
  for (int s = 0; s < 2; ++s) {
    due::FeedbackSample sample;
    sample.id = s == 0 ? "LIDC-0001_n1" : "odd: id #2";
    sample.label = s;
    sample.predicted = 1 - s;
    sample.entropy = 0.25 + s * 0.4;
    sample.montage = "m/" + std::to_string(s) + ".png";
    for (int c = 0; c < 2; ++c) {
      due::FeedbackCell cell;
      cell.number = c + 1;
      cell.index = 7 - c;
      cell.begin = {2, 2, static_cast<std::size_t>(c)};
      cell.end = {4, 4, static_cast<std::size_t>(c + 2)};
      cell.saliency = 0.125 * (c + 1);
      cell.irrelevant = (s + c) % 2 == 1;
      sample.cells.push_back(cell);
    }
    file.samples.push_back(sample);
  }
  const std::string path = dir.file("feedback.yaml");
  due::write_feedback_file(path, file);
  const due::FeedbackFile back = due::read_feedback_file(path);
  CHECK(back.model == file.model);
  CHECK(back.dataset == file.dataset);
  CHECK(back.saliency == "grad-cam");
  CHECK(back.volume == file.volume);
  CHECK(back.cell_size == file.cell_size);
  CHECK(back.provenance.seed == 7);
  CHECK(back.provenance.config_yaml == file.provenance.config_yaml);
  REQUIRE(back.samples.size() == 2);
  for (std::size_t s = 0; s < 2; ++s) {
    CHECK(back.samples[s].id == file.samples[s].id);
    CHECK(back.samples[s].label == file.samples[s].label);
    CHECK(back.samples[s].predicted == file.samples[s].predicted);
    CHECK(back.samples[s].entropy == file.samples[s].entropy);
    CHECK(back.samples[s].montage == file.samples[s].montage);
    REQUIRE(back.samples[s].cells.size() == 2);
    for (std::size_t c = 0; c < 2; ++c) {
      const auto &a = back.samples[s].cells[c], &b = file.samples[s].cells[c];
      CHECK(a.number == b.number);
      CHECK(a.index == b.index);
      CHECK(a.begin == b.begin);
      CHECK(a.end == b.end);
      CHECK(a.saliency == b.saliency);
      CHECK(a.irrelevant == b.irrelevant);
    }
  }
  // A person's edit: one more mark, in the flow style the file is written in.
  std::string text = due::test::read_text(path);
  const std::string unmarked = "saliency: 0.125, irrelevant: false}";
  REQUIRE(text.find(unmarked) != std::string::npos);
  text.replace(text.find(unmarked), unmarked.size(), "saliency: 0.125, irrelevant: true}");
  due::test::write_text(path, text);
  CHECK(due::read_feedback_file(path).samples[0].cells[0].irrelevant);
  // A cell past the volume and a mark that is not a boolean are named.
  std::string outside = text;
  outside.replace(outside.find("rows: [2, 4]"), 12, "rows: [2, 5]");
  due::test::write_text(dir.file("outside.yaml"), outside);
  CHECK_THROWS_WITH(due::read_feedback_file(dir.file("outside.yaml")),
                    Contains("outside.yaml") && Contains("'rows' must be [begin, end)") && Contains("LIDC-0001_n1"));
  std::string not_bool = text;
  not_bool.replace(not_bool.find("irrelevant: true}"), 17, "irrelevant: maybe}");
  due::test::write_text(dir.file("bool.yaml"), not_bool);
  CHECK_THROWS_WITH(due::read_feedback_file(dir.file("bool.yaml")), Contains("'irrelevant' is not a valid value ('maybe')"));
  CHECK_THROWS_AS(due::read_feedback_file(dir.file("missing.yaml")), due::InputError);
}

TEST_CASE("feedback: numbered boxes on a panel", "[feedback]") {
  due::RgbImage panel(20, 12, due::Rgb{10, 10, 10});
  due::draw_box(panel, 2, 3, 9, 8, due::kCellMagenta);
  CHECK(panel.at(2, 3) == due::kCellMagenta);
  CHECK(panel.at(9, 8) == due::kCellMagenta);
  CHECK(panel.at(5, 8) == due::kCellMagenta);
  CHECK(panel.at(5, 5) == (due::Rgb{10, 10, 10}));
  due::draw_number(panel, 10, 0, 7, due::kLabelWhite, 1);  // '7': top row full, then the right column
  CHECK(panel.at(11, 1) == due::kLabelWhite);
  CHECK(panel.at(13, 1) == due::kLabelWhite);
  CHECK(panel.at(13, 5) == due::kLabelWhite);
  CHECK(panel.at(11, 5) == due::kBackground);
  CHECK(panel.at(10, 0) == due::kBackground);  // the backing
  due::draw_box(panel, 15, 10, 40, 40, due::kCellMagenta);  // clipped, no throw
  CHECK(panel.at(19, 10) == due::kCellMagenta);
}

namespace {

due::ClassifierArchitecture tiny_architecture() {
  due::ClassifierArchitecture architecture;
  architecture.network.width = 2;
  architecture.volume = due::VolumeShape{8, 16, 16};
  return architecture;
}

}  // namespace

TEST_CASE("feedback: at p = 0.5 the penalty is the squared gradient of the predicted class and shrinks the marked "
          "region's saliency", "[feedback]") {
  // A linear two-class model: logits (0, w . x + b). At x = 0 and b = 0 both classes have p = 0.5 whatever w is,
  // the case entropy sampling queries. d p_1 / d x = p (1 - p) w = w / 4, so by hand the penalty is
  // sum_v m_v (w_v / 4)^2 (the old sum_k log p_k had gradient (1 - 2 p) w = 0 here).
  const std::int64_t voxels = 12;
  torch::Tensor w = torch::linspace(-1.0, 1.2, voxels, torch::kFloat64).view({1, 1, voxels}).requires_grad_(true);
  const torch::Tensor x = torch::zeros({1, 1, voxels}, torch::kFloat64);
  torch::Tensor marked = torch::zeros({1, 1, voxels}, torch::kFloat64);
  marked.slice(2, 0, 4).fill_(1.0);  // the first four voxels are marked irrelevant
  const auto penalty_of = [&](const torch::Tensor& weights) {
    const torch::Tensor leaf = x.clone().requires_grad_(true);
    const torch::Tensor z1 = (weights * leaf).sum({1, 2}).unsqueeze(1);
    const torch::Tensor logits = torch::cat({torch::zeros_like(z1), z1}, 1);
    return due::right_reasons_penalty(logits, leaf, marked);
  };
  const auto marked_saliency = [&](const torch::Tensor& weights) {  // sum over marked voxels of (d p / d x)^2
    return (marked * (weights.detach() / 4).square()).sum().item<double>();
  };
  const torch::Tensor penalty = penalty_of(w);
  double by_hand = 0;
  for (std::int64_t v = 0; v < 4; ++v) by_hand += std::pow(w.view(-1)[v].item<double>() / 4, 2);
  REQUIRE(by_hand > 0.05);
  CHECK(penalty.item<double>() == Approx(by_hand).epsilon(1e-12));
  // Gradient descent on the penalty alone: the marked weights shrink, the unmarked ones do not move.
  const double before = marked_saliency(w);
  const torch::Tensor unmarked_before = w.detach().view(-1).slice(0, 4).clone();
  for (int step = 0; step < 20; ++step) {
    const torch::Tensor g = torch::autograd::grad({penalty_of(w).sum()}, {w})[0];
    torch::NoGradGuard no_grad;
    w.sub_(g * 10.0);
  }
  CHECK(marked_saliency(w) < 0.5 * before);
  CHECK(torch::equal(w.detach().view(-1).slice(0, 4), unmarked_before));
}

TEST_CASE("feedback: the right-reasons penalty is zero without marks and its gradient matches finite differences",
          "[feedback]") {
  torch::manual_seed(3);
  due::ResNet18 model(tiny_architecture().network);
  model->to(torch::kFloat64);
  model->eval();  // fixed BatchNorm statistics, so the loss is a plain function of parameters and input
  const auto input = torch::rand({2, 1, 8, 16, 16}, torch::kFloat64);
  const auto marked = (torch::rand({2, 1, 8, 16, 16}, torch::kFloat64) > 0.6).to(torch::kFloat64);
  auto penalty = [&](const torch::Tensor& x, const torch::Tensor& w) {
    const auto leaf = x.detach().requires_grad_(true);
    return due::right_reasons_penalty(model->forward(leaf), leaf, w);
  };

  const auto none = penalty(input, torch::zeros_like(marked));
  CHECK(none.sizes() == c10::IntArrayRef{2});
  CHECK(none.abs().max().item<double>() == 0.0);
  model->zero_grad();
  none.sum().backward();
  for (const auto& p : model->parameters())
    if (p.grad().defined()) CHECK(p.grad().abs().max().item<double>() == 0.0);

  const auto some = penalty(input, marked);
  CHECK(some.min().item<double>() > 0.0);
  // Its value: with three voxels of sample 1 marked, the sum of the squared input gradients of the predicted
  // class's probability there, each gradient by central differences of the softmax.
  {
    const auto logits = model->forward(input).detach();
    const std::int64_t predicted = logits[1].argmax().item<std::int64_t>();
    const auto probability = [&](const torch::Tensor& x) {
      torch::NoGradGuard no_grad;
      return torch::softmax(model->forward(x.slice(0, 1, 2)), 1)[0][predicted].item<double>();
    };
    auto few = torch::zeros_like(marked);
    double by_differences = 0;
    for (std::int64_t v : {std::int64_t{130}, std::int64_t{1024}, std::int64_t{1901}}) {
      few[1].view(-1)[v] = 1.0;
      const double eps = 1e-6;
      auto moved = input.clone();
      moved[1].view(-1)[v] += eps;
      const double up = probability(moved);
      moved[1].view(-1)[v] -= 2 * eps;
      const double down = probability(moved);
      by_differences += std::pow((up - down) / (2 * eps), 2);
    }
    REQUIRE(by_differences > 0.0);
    const auto value = penalty(input, few);
    CHECK(value[0].item<double>() == 0.0);
    CHECK(value[1].item<double>() == Approx(by_differences).epsilon(1e-5));
  }
  // The penalty of sample 0 alone equals its row of the batch (eval mode: the samples do not interact).
  CHECK(penalty(input.slice(0, 0, 1), marked.slice(0, 0, 1)).item<double>() == Approx(some[0].item<double>()).epsilon(1e-10));

  // d penalty / d parameters by double backward, against central differences.
  model->zero_grad();
  penalty(input, marked).sum().backward();
  auto parameters = model->named_parameters();
  for (const std::string name : {"fc.weight", "layer4.1.residual.3.weight", "stem.0.weight"}) {
    INFO(name);
    torch::Tensor flat = parameters[name].detach().view(-1);
    const torch::Tensor grad = parameters[name].grad().view(-1);
    for (std::int64_t i : {std::int64_t{0}, flat.numel() / 2}) {
      const double eps = 1e-7, original = flat[i].item<double>();
      const auto set = [&](double v) {
        torch::NoGradGuard no_grad;
        flat[i] = v;
      };
      set(original + eps);
      const double up = penalty(input, marked).sum().item<double>();
      set(original - eps);
      const double down = penalty(input, marked).sum().item<double>();
      set(original);
      CHECK(grad[i].item<double>() == Approx((up - down) / (2 * eps)).epsilon(1e-4).margin(1e-9));
    }
  }
  // And with respect to the input.
  const auto leaf = input.detach().clone().requires_grad_(true);
  const auto x_grad = torch::autograd::grad({due::right_reasons_penalty(model->forward(leaf), leaf, marked).sum()}, {leaf})[0];
  const torch::Tensor flat_x = x_grad.view(-1);
  for (std::int64_t i : {std::int64_t{5}, std::int64_t{700}, std::int64_t{1900}}) {
    const double eps = 1e-7;
    auto moved = input.clone();
    moved.view(-1)[i] += eps;
    const double up = penalty(moved, marked).sum().item<double>();
    moved.view(-1)[i] -= 2 * eps;
    const double down = penalty(moved, marked).sum().item<double>();
    CHECK(flat_x[i].item<double>() == Approx((up - down) / (2 * eps)).epsilon(1e-4).margin(1e-9));
  }
}

TEST_CASE("consistency: the adversarial step moves only background voxels, by at most epsilon, and raises the loss",
          "[consistency]") {
  torch::manual_seed(4);
  due::ResNet18 model(tiny_architecture().network);
  for (int i = 0; i < 2; ++i) model->forward(torch::rand({4, 1, 8, 16, 16}));  // BatchNorm statistics
  // Intensities at least epsilon inside [0, 1], so the clip to the image range does not bind here (see below).
  const auto input = torch::rand({3, 1, 8, 16, 16}) * 0.8 + 0.1;
  const auto labels = torch::tensor({1, 0, 1}, torch::kInt64);
  const auto background = (torch::rand({3, 1, 8, 16, 16}) > 0.5).to(torch::kFloat32);
  model->train();
  for (std::int64_t steps : {1, 4}) {
    INFO(steps);
    const double epsilon = 0.05;
    const auto perturbed = due::adversarial_background_step(model, input, labels, background, epsilon, steps);
    CHECK(model->is_training());  // restored
    const auto delta = perturbed - input;
    CHECK((delta * (1 - background)).abs().max().item<float>() == 0.f);
    CHECK(delta.abs().max().item<float>() <= epsilon + 1e-6);
    CHECK(delta.abs().max().item<float>() >= epsilon - 1e-6);
    if (steps == 1) {  // FGSM: a voxel that moves (its gradient is not 0) moves by exactly epsilon
      const auto moved = delta.abs() > 0;
      CHECK(moved.sum().item<std::int64_t>() > 0);
      CHECK((delta.abs().masked_select(moved) - epsilon).abs().max().item<float>() < 1e-6f);
    }
    model->eval();
    namespace F = torch::nn::functional;
    const auto x = input.clone().requires_grad_(true);
    const auto gradient = torch::autograd::grad({F::cross_entropy(model->forward(x), labels)}, {x})[0];
    const double before = F::cross_entropy(model->forward(input), labels).item<double>();
    const double after = F::cross_entropy(model->forward(perturbed), labels).item<double>();
    model->train();
    if (steps == 1) {
      // FGSM ascends to first order: delta . gradient = epsilon * |gradient| summed over the background.
      CHECK((gradient * delta).sum().item<double>() ==
            Approx(epsilon * (gradient * background).abs().sum().item<double>()).epsilon(1e-4));
    } else {
      CHECK(after > before);
    }
  }
  CHECK_THROWS_AS(due::adversarial_background_step(model, input, labels, background.squeeze(1), 0.05, 1),
                  std::invalid_argument);
  // At the ends of the intensity window the perturbed image stays a possible image: half the voxels at 0, half at
  // 1, every one background. FGSM moves each voxel by +-epsilon; those pushed out of [0, 1] stay at the end.
  const auto ends = (torch::rand({3, 1, 8, 16, 16}) > 0.5).to(torch::kFloat32);
  const auto everywhere = torch::ones_like(ends);
  for (std::int64_t steps : {1, 3}) {
    const auto perturbed = due::adversarial_background_step(model, ends, labels, everywhere, 0.05, steps);
    CHECK(perturbed.min().item<float>() >= 0.f);
    CHECK(perturbed.max().item<float>() <= 1.f);
    const auto delta = perturbed - ends;
    CHECK(delta.abs().max().item<float>() == Approx(0.05f).margin(1e-6));  // the inward moves keep their size
  }
}

TEST_CASE("consistency: an unperturbed input is fully consistent, and the weights have mean 1", "[consistency]") {
  torch::manual_seed(6);
  due::ClassifierArchitecture architecture = tiny_architecture();
  architecture.network.width = 4;
  // Grad-CAM needs a layer of more than one voxel: layer3 of a 16 x 32 x 32 input is 2 x 2 x 2.
  architecture.volume = due::VolumeShape{16, 32, 32};
  architecture.cam_layer = due::parse_layer_ref("layer3");
  due::ResNet18 model(architecture.network);
  model->forward(torch::rand({4, 1, 16, 32, 32}));
  const auto input = torch::rand({3, 1, 16, 32, 32});
  const auto labels = torch::tensor({1, 0, 1}, torch::kInt64);
  const auto cam = due::class_saliency(model, input, labels, architecture);
  REQUIRE(cam.amax({1, 2, 3}).max().item<float>() > 0.5f);  // some map has structure (not flat)
  CHECK(torch::equal(due::map_consistency(cam, cam), torch::ones({3})));
  // By hand, two samples of four voxels: |a - b| = (0, 0.5, 1, 0.25) -> 1 - 1.75 / 4; (0.5, 0.5, 0.5, 0.5) -> 0.5.
  const auto a = torch::tensor({0.f, 0.5f, 1.f, 0.25f, 0.f, 1.f, 0.5f, 0.5f}).reshape({2, 2, 2});
  const auto b = torch::tensor({0.f, 1.f, 0.f, 0.5f, 0.5f, 0.5f, 0.f, 1.f}).reshape({2, 2, 2});
  const auto hand = due::map_consistency(a, b);
  CHECK(hand[0].item<float>() == Approx(1.0 - 1.75 / 4));
  CHECK(hand[1].item<float>() == Approx(0.5));
  CHECK(torch::equal(hand, due::map_consistency(b, a)));

  // An annotation that covers everything leaves no background: nothing moves, consistency 1.
  due::ConsistencySettings settings;
  settings.background = due::ConsistencyBackground::Annotation;
  const auto all = due::batch_consistency(model, input, labels, torch::ones({3, 16, 32, 32}), architecture, settings);
  CHECK(all.allclose(torch::ones({3})));
  // The attention background with a large epsilon moves the maps.
  settings.background = due::ConsistencyBackground::Attention;
  settings.epsilon = 0.5;
  settings.attention_threshold = 1.0;
  const auto moved = due::batch_consistency(model, input, labels, {}, architecture, settings);
  CHECK(moved.max().item<float>() <= 1.f);
  CHECK(moved.min().item<float>() < 0.999f);

  const auto weights = due::consistency_weights(torch::tensor({1.0, 0.5, 0.2, 0.9}, torch::kFloat64), 1.0);
  // raw 1, 1.5, 1.8, 1.1 (mean 1.35)
  CHECK(weights.mean().item<double>() == Approx(1.0));
  CHECK(weights[0].item<double>() == Approx(1 / 1.35));
  CHECK(weights[2].item<double>() == Approx(1.8 / 1.35));
  CHECK(weights.argmax().item<std::int64_t>() == 2);
  CHECK(torch::allclose(due::consistency_weights(torch::tensor({0.3, 0.7}), 0.0), torch::ones({2})));
}
