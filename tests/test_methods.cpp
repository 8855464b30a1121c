// The methods of the registry as the trainer builds them (classifier/methods.h), on hand-worked batches. Only the
// registry's interface is used, so each case states what the method computes, not how the code is arranged.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <map>

#include <torch/torch.h>

#include "classifier/methods.h"
#include "cli/config.h"
#include "cli/config_schema.h"

namespace {

torch::Tensor maps(std::vector<double> values, c10::IntArrayRef shape) {
  return torch::tensor(values, torch::kFloat64).view(shape);
}

// The explanation terms (before lambda) of `method` on a batch whose positives have these maps and targets.
struct Evaluated {
  std::vector<std::string> names;
  std::vector<double> terms;
  std::size_t parameters = 0;
};
Evaluated evaluate(const std::string& method, const torch::Tensor& cam, const due::TargetMap& targets) {
  due::ClassifierObjective objective(due::find_method(method).make_terms(due::MethodSettings{}));
  const std::int64_t p = cam.size(0);
  due::StepView step;
  step.labels = torch::ones({p}, torch::kInt64);
  step.logits = torch::zeros({p, 2}, torch::kFloat64);
  step.positives = torch::arange(p, torch::kInt64);
  step.cam = cam;
  step.targets = &targets;
  const auto losses = objective.compute(step);
  Evaluated out{objective.term_names(), {}, objective.parameters().size()};
  for (const torch::Tensor& t : losses.terms) out.terms.push_back(t.item<double>());
  return out;
}

}  // namespace

TEST_CASE("methods: due-unweighted is DUE's loss with every weight 1, binary term included", "[methods]") {
  // One positive, 2 x 2. Foreground of M: voxels 0, 1, 3.
  const auto cam = maps({0.3, 0.9, 0.1, 0.7}, {1, 2, 2});
  const due::TargetMap targets{{"human", maps({1, 1, 0, 1}, {1, 2, 2})},
                               {"imputed", maps({1, 0.5, 0, 1}, {1, 2, 2})},
                               // W is annotations.h5's; DUE-unweighted must not read it
                               {"weight", maps({0.2, 0.5, 1, 2}, {1, 2, 2})}};
  // binary: |tanh(5 (c - 0.5)) - 1| over the foreground = 1 + tanh(1), 1 - tanh(2), 1 - tanh(1): mean (3 - tanh 2) / 3
  // continuous: |c - I| = 0.7, 0.4, 0.1, 0.3: mean 0.375
  const double expected = (3 - std::tanh(2.0)) / 3 + 0.375;
  const Evaluated unweighted = evaluate("due-unweighted", cam, targets);
  REQUIRE(unweighted.terms.size() == 1);
  CHECK(unweighted.terms[0] == Approx(expected));
  // The L1-only variant keeps its own name.
  const Evaluated l1 = evaluate("imputed-l1", cam, targets);
  REQUIRE(l1.terms.size() == 1);
  CHECK(l1.terms[0] == Approx(0.375));
}

namespace {

// The explanation term of `method` and its gradient with respect to the map, on [P, D, H, W] maps.
struct TermAndGradient {
  torch::Tensor loss;
  torch::Tensor gradient;
};
TermAndGradient term_and_gradient(const std::string& method, const torch::Tensor& cam, const due::TargetMap& targets) {
  due::ClassifierObjective objective(due::find_method(method).make_terms(due::MethodSettings{}));
  const torch::Tensor leaf = cam.detach().clone().requires_grad_(true);
  due::StepView step;
  step.labels = torch::ones({cam.size(0)}, torch::kInt64);
  step.logits = torch::zeros({cam.size(0), 2}, torch::kFloat64);
  step.positives = torch::arange(cam.size(0), torch::kInt64);
  step.cam = leaf;
  step.targets = &targets;
  const torch::Tensor loss = objective.compute(step).terms.at(0);
  loss.backward();
  return {loss.detach(), leaf.grad().clone()};
}

}  // namespace

TEST_CASE("methods: baseline-plus is DUE's loss with every weight 1 on the annotated slices only", "[methods]") {
  // Two positives, D = 3 slices of 1 x 2. Positive 0 annotated on slice 0, positive 1 on slices 1 and 2.
  const auto cam = maps({0.3, 0.9, /**/ 0.1, 0.7, /**/ 0.6, 0.2, //
                         0.8, 0.4, /**/ 0.45, 0.55, /**/ 0.2, 0.95},
                        {2, 3, 1, 2});
  // M as the trainer gives it (carried from the nearest annotated slice): slice 1 of positive 0 is a carried copy.
  const auto human = maps({1, 0, /**/ 1, 0, /**/ 1, 0, //
                           0, 0, /**/ 1, 1, /**/ 0, 1},
                          {2, 3, 1, 2});
  const auto annotated = maps({1, 0, 0, /**/ 0, 1, 1}, {2, 3});
  const due::TargetMap targets{{"human", human}, {"annotated", annotated}};
  // Positive 0, slice 0 only: binary over M's foreground {0.3}: |tanh(5 (0.3 - 0.5)) - 1| = 1 + tanh(1);
  // continuous: (|0.3 - 1| + |0.9 - 0|) / 2 = 0.8.
  const double first = 1 + std::tanh(1.0) + 0.8;
  // Positive 1, slices 1 and 2: foreground {0.45, 0.55, 0.95}: (1 + tanh(0.25)) + (1 - tanh(0.25)) + (1 - tanh(2.25)),
  // over 3; continuous: (0.55 + 0.45 + 0.2 + 0.05) / 4 = 0.3125.
  const double second = (3 - std::tanh(2.25)) / 3 + 0.3125;
  const Evaluated plus = evaluate("baseline-plus", cam, targets);
  REQUIRE(plus.names == std::vector<std::string>{"sparse"});
  CHECK(plus.terms[0] == Approx((first + second) / 2).epsilon(1e-12));
  CHECK(due::find_method("baseline-plus").needs_annotations == false);
  CHECK(due::find_method("due-unweighted").needs_annotations == true);
}

TEST_CASE("methods: nothing off the annotated slices reaches baseline-plus, bit for bit", "[methods]") {
  torch::manual_seed(7);
  const std::int64_t p = 3, d = 6;
  const torch::Tensor cam = torch::rand({p, d, 4, 5}, torch::kFloat64);
  const torch::Tensor human = (torch::rand({p, d, 4, 5}, torch::kFloat64) > 0.5).to(torch::kFloat64);
  torch::Tensor annotated = torch::zeros({p, d}, torch::kFloat64);
  annotated.index_put_({0, 1}, 1.0);
  annotated.index_put_({1, 0}, 1.0), annotated.index_put_({1, 4}, 1.0);
  annotated.index_put_({2, 2}, 1.0), annotated.index_put_({2, 3}, 1.0), annotated.index_put_({2, 5}, 1.0);
  const due::TargetMap targets{{"human", human},
                               {"annotated", annotated},
                               {"imputed", torch::rand({p, d, 4, 5}, torch::kFloat64)},
                               {"weight", torch::rand({p, d, 4, 5}, torch::kFloat64)}};
  const TermAndGradient reference = term_and_gradient("baseline-plus", cam, targets);

  // Every target changed off the annotated slices, and the imputed annotation and weights everywhere.
  const torch::Tensor off = (1 - annotated).view({p, d, 1, 1}).expand({p, d, 4, 5});
  due::TargetMap changed = targets;
  changed["human"] = torch::where(off > 0.5, 1 - human, human);
  changed["imputed"] = torch::rand({p, d, 4, 5}, torch::kFloat64);
  changed["weight"] = torch::rand({p, d, 4, 5}, torch::kFloat64);
  const TermAndGradient same = term_and_gradient("baseline-plus", cam, changed);
  CHECK(torch::equal(same.loss, reference.loss));
  CHECK(torch::equal(same.gradient, reference.gradient));
  // The map's voxels off the annotated slices get no gradient at all.
  CHECK(torch::equal(reference.gradient * off, torch::zeros_like(cam)));

  // One voxel of one annotated slice flipped does move it (so the checks above can fail).
  due::TargetMap one_flipped = targets;
  one_flipped["human"] = human.clone();
  one_flipped["human"].index_put_({2, 3, 1, 1}, 1 - human.index({2, 3, 1, 1}).item<double>());
  CHECK_FALSE(torch::equal(term_and_gradient("baseline-plus", cam, one_flipped).loss, reference.loss));
}

TEST_CASE("methods: due-unweighted is DUE with W replaced by ones, bit for bit", "[methods]") {
  torch::manual_seed(11);
  const torch::Tensor cam = torch::rand({2, 5, 3, 4}, torch::kFloat64);
  due::TargetMap targets{{"human", (torch::rand({2, 5, 3, 4}, torch::kFloat64) > 0.6).to(torch::kFloat64)},
                         {"imputed", torch::rand({2, 5, 3, 4}, torch::kFloat64)},
                         {"weight", torch::rand({2, 5, 3, 4}, torch::kFloat64)}};
  const TermAndGradient unweighted = term_and_gradient("due-unweighted", cam, targets);
  due::TargetMap ones = targets;
  ones["weight"] = torch::ones_like(cam);
  const TermAndGradient due_with_ones = term_and_gradient("due", cam, ones);
  CHECK(torch::equal(unweighted.loss, due_with_ones.loss));
  CHECK(torch::equal(unweighted.gradient, due_with_ones.gradient));
  // With the real weights DUE differs.
  CHECK_FALSE(torch::equal(term_and_gradient("due", cam, targets).loss, unweighted.loss));
}

TEST_CASE("methods: res-g is RES.py's two terms, logged apart, with the threshold solved, not learned", "[methods]") {
  // Two positives of 1 x 3 (a 2D method's maps are [P, H, W]); annotated pixels (M = 1) have maps 0.3, 0.5, 0.2.
  const auto cam = maps({0.3, 0.8, 0.5, /**/ 0.6, 0.2, 0.9}, {2, 1, 3});
  const auto human = maps({1, 0, 1, /**/ 0, 1, 0}, {2, 1, 3});
  const Evaluated res = evaluate("res-g", cam, {{"human", human}});
  REQUIRE(res.names == std::vector<std::string>{"robust", "blur"});
  CHECK(res.parameters == 0);  // nothing for the optimizer: RES's threshold is solved from the batch
  // Threshold: with no negative annotation, the lowest map value on an annotated pixel satisfies every
  // constraint: 0.2. Robust term, pooled over the batch's 3 annotated pixels (not per sample):
  // |tanh(0.5) - 1| + |tanh(1.5) - 1| + |tanh(0) - 1|, mean, minus eta 0.1.
  const double robust = (3 - std::tanh(0.5) - std::tanh(1.5)) / 3 - 0.1;
  CHECK(res.terms[0] == Approx(robust));
  // Blur term: OpenCV's 3x3 kernel for sigma 0 is (1/4, 1/2, 1/4) per axis, borders reflected without the edge
  // (BORDER_REFLECT_101); a single row is its own vertical neighbourhood. Row 1 0 1 -> (1/2, 1/4 + 1/4, 1/2);
  // row 0 1 0 -> (1/4 + 1/4, 1/2, 1/4 + 1/4) (zero padding would give 1/4 at its ends, sigma 0.8 uneven values).
  // Each divided by its max + 1e-6, then mean |cam - G| over the 6 pixels.
  const double g = 0.5 / (0.5 + 1e-6);
  const double blur = (std::abs(0.3 - g) + std::abs(0.8 - g) + std::abs(0.5 - g) + std::abs(0.6 - g) +
                       std::abs(0.2 - g) + std::abs(0.9 - g)) /
                      6;
  CHECK(res.terms[1] == Approx(blur));
}

TEST_CASE("methods: classifier.due.binary_relu is gone (the published ReLU acts on a non-negative mean)", "[methods]") {
  due::Config config(due::toolkit_config_schema());
  CHECK_THROWS(config.apply_assignment("classifier.due.binary_relu=true"));
  CHECK(config.get_string("classifier.cam.weights") == "constant");
  CHECK(config.get_bool("classifier.cam.align_corners"));
}

namespace {

// Cross-entropy of one row by hand: log(sum exp) - logit of the label.
double cross_entropy(double logit0, double logit1, int label) {
  const double top = std::max(logit0, logit1);
  const double log_sum = top + std::log(std::exp(logit0 - top) + std::exp(logit1 - top));
  return log_sum - (label == 1 ? logit1 : logit0);
}

}  // namespace

TEST_CASE("methods: every method's objective on one hand batch: which target, which weights, which terms, lambda",
          "[methods]") {
  // Three samples (labels 1, 0, 1), the positives rows 0 and 2, maps of 4 voxels. M, I and W differ everywhere
  // it matters, so a method reading another target, dropping W or lambda gives another number.
  const std::vector<double> c = {0.3, 0.9, 0.1, 0.7, /**/ 0.6, 0.2, 0.8, 0.4};
  const std::vector<double> m = {1, 1, 0, 0, /**/ 0, 1, 1, 0};
  const std::vector<double> i = {1, 0.5, 0.25, 0, /**/ 0.5, 1, 0.75, 0.25};
  const std::vector<double> w = {0.5, 1, 0.25, 2, /**/ 1, 0.5, 2, 0.25};
  // [P, D, H, W] = [2, 2, 1, 2]; positive 0 annotated on slice 0 (voxels 0, 1), positive 1 on slice 1 (voxels 6, 7).
  const std::vector<std::int64_t> shape{2, 2, 1, 2};
  const due::TargetMap targets{{"human", maps(m, shape)},
                               {"imputed", maps(i, shape)},
                               {"weight", maps(w, shape)},
                               {"annotated", maps({1, 0, /**/ 0, 1}, {2, 2})}};
  const std::vector<std::size_t> annotated_voxels[2] = {{0, 1}, {6, 7}};
  // The 2D methods see the same values as [P, H, W] maps.
  const std::vector<std::int64_t> shape_2d{2, 1, 4};
  const due::TargetMap targets_2d{
      {"human", maps(m, shape_2d)}, {"imputed", maps(i, shape_2d)}, {"weight", maps(w, shape_2d)}};
  const double lambda = 2.5;
  due::MethodSettings settings;
  settings.lambda = lambda;
  const auto logits = torch::tensor({0.2, 1.1, /**/ 0.4, -0.3, /**/ -0.5, 0.5}, torch::kFloat64).view({3, 2});
  const auto labels = torch::tensor({1, 0, 1}, torch::kInt64);
  const auto sample_weight = torch::tensor({2.0, 1.0, 0.5}, torch::kFloat64);
  const double ce = (2.0 * cross_entropy(0.2, 1.1, 1) + cross_entropy(0.4, -0.3, 0) + 0.5 * cross_entropy(-0.5, 0.5, 1)) / 3;

  // Per positive by hand, then the mean over the two positives.
  auto mean_over_positives = [&](const std::function<double(std::size_t p)>& per_positive) {
    return (per_positive(0) + per_positive(1)) / 2;
  };
  auto l1 = [&](const std::vector<double>& target, bool weighted) {
    return mean_over_positives([&](std::size_t p) {
      double sum = 0;
      for (std::size_t v = 4 * p; v < 4 * p + 4; ++v) sum += (weighted ? w[v] : 1.0) * std::abs(c[v] - target[v]);
      return sum / 4;
    });
  };
  // DUE's binary term: |tanh(5 (c - 0.5)) - 1|, weighted, averaged over M's foreground voxels.
  auto binary = [&](bool weighted) {
    return mean_over_positives([&](std::size_t p) {
      double sum = 0, count = 0;
      for (std::size_t v = 4 * p; v < 4 * p + 4; ++v)
        if (m[v] > 0) sum += (weighted ? w[v] : 1.0) * std::abs(std::tanh(5 * (c[v] - 0.5)) - 1), count += 1;
      return sum / count;
    });
  };
  // Baseline+: the binary term and the unweighted L1 to M, on the annotated voxels only.
  auto sparse = [&] {
    return mean_over_positives([&](std::size_t p) {
      double binary_sum = 0, foreground = 0, l1_sum = 0;
      for (std::size_t v : annotated_voxels[p]) {
        if (m[v] > 0) binary_sum += std::abs(std::tanh(5 * (c[v] - 0.5)) - 1), foreground += 1;
        l1_sum += std::abs(c[v] - m[v]);
      }
      return binary_sum / foreground + l1_sum / static_cast<double>(annotated_voxels[p].size());
    });
  };
  auto bce = [&] {
    return mean_over_positives([&](std::size_t p) {
      double sum = 0;
      for (std::size_t v = 4 * p; v < 4 * p + 4; ++v) sum -= m[v] * std::log(c[v]) + (1 - m[v]) * std::log(1 - c[v]);
      return sum / 4;
    });
  };
  const std::map<std::string, std::vector<double>> expected_terms{
      {"baseline", {}},
      {"gradia", {l1(m, false)}},
      {"haics", {bce()}},
      {"due", {binary(true) + l1(i, true)}},
      {"baseline-plus", {sparse()}},
      {"due-unweighted", {binary(false) + l1(i, false)}},
      {"imputed-l1", {l1(i, false)}},
  };
  for (const due::MethodSpec& method : due::classifier_methods()) {
    INFO("method " << method.name);
    due::ClassifierObjective objective(method.make_terms(settings));
    due::StepView step;
    step.labels = labels;
    step.logits = logits;
    step.positives = torch::tensor({0, 2}, torch::kInt64);
    step.cam = maps(c, method.dims == 2 ? shape_2d : shape);
    step.targets = method.dims == 2 ? &targets_2d : &targets;
    const auto losses = objective.compute(step, sample_weight);
    CHECK(losses.prediction.item<double>() == Approx(ce).epsilon(1e-12));
    double terms = 0;
    for (const torch::Tensor& t : losses.terms) terms += t.item<double>();
    // Every method's total is the weighted cross-entropy plus lambda times its terms (RES-G's two weights are 1).
    CHECK(losses.total.item<double>() == Approx(ce + lambda * terms).epsilon(1e-12));
    const auto expected = expected_terms.find(method.name);
    if (expected == expected_terms.end()) {
      CHECK(method.name == "res-g");  // its terms are worked by hand in the case above
      continue;
    }
    REQUIRE(losses.terms.size() == expected->second.size());
    for (std::size_t t = 0; t < losses.terms.size(); ++t)
      CHECK(losses.terms[t].item<double>() == Approx(expected->second[t]).epsilon(1e-12));
  }
  CHECK(expected_terms.size() + 1 == due::classifier_methods().size());
}
