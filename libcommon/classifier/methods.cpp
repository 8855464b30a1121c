#include "classifier/methods.h"

#include <set>
#include <stdexcept>

namespace due {
namespace {

const torch::Tensor& target(const StepView& step, const std::string& name) {
  const auto it = step.targets->find(name);
  if (it == step.targets->end()) throw std::logic_error("explanation term: the batch has no target '" + name + "'");
  return it->second;
}

// Mean |cam - target| with all weights 1: Baseline+ (against the imputed annotation) and GRADIA (against the
// human annotation of the slice).
class L1Term : public ExplanationTerm {
 public:
  explicit L1Term(std::string target_name) : target_name_(std::move(target_name)) {}
  std::vector<std::string> targets() const override { return {target_name_}; }
  torch::Tensor per_sample(const StepView& step) override { return weighted_l1(step.cam, target(step, target_name_)); }

 private:
  std::string target_name_;
};

// DUE: binary term on the human annotation's foreground + continuous term against the imputed annotation, both
// weighted per voxel.
class DueTerm : public ExplanationTerm {
 public:
  explicit DueTerm(DueLossOptions options) : options_(options) {}
  std::vector<std::string> targets() const override { return {"human", "imputed", "weight"}; }
  torch::Tensor per_sample(const StepView& step) override {
    return due_loss(step.cam, target(step, "human"), target(step, "imputed"), target(step, "weight"), options_);
  }

 private:
  DueLossOptions options_;
};

// HAICS: binary cross-entropy of the map against the annotation.
class BceTerm : public ExplanationTerm {
 public:
  std::vector<std::string> targets() const override { return {"human"}; }
  torch::Tensor per_sample(const StepView& step) override { return map_bce(step.cam, target(step, "human")); }
};

// RES-G: the map soft-thresholded at a learned threshold, compared with slack to the Gaussian-softened annotation.
class RobustTerm : public ExplanationTerm {
 public:
  RobustTerm(double threshold_init, double slack, double blur_sigma) : slack_(slack), blur_sigma_(blur_sigma) {
    threshold_ = register_parameter("threshold", torch::full({}, threshold_init));
  }
  std::vector<std::string> targets() const override { return {"human"}; }
  torch::Tensor per_sample(const StepView& step) override {
    const torch::Tensor softened = gaussian_blur_3x3(target(step, "human"), blur_sigma_);
    return robust_l1(step.cam, softened, threshold_, slack_);
  }

 private:
  double slack_, blur_sigma_;
  torch::Tensor threshold_;
};

WeightedTerm weighted(const std::string& name, double lambda, std::shared_ptr<ExplanationTerm> term) {
  return WeightedTerm{name, lambda, std::move(term)};
}

}  // namespace

const std::vector<MethodSpec>& classifier_methods() {
  static const std::vector<MethodSpec> methods{
      {"baseline", "3D, cross-entropy only", 3, false, [](const MethodSettings&) { return std::vector<WeightedTerm>{}; }},
      {"baseline-plus", "3D, + lambda * L1(CAM, imputed annotation), all weights 1", 3, true,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted("l1", s.lambda, std::make_shared<L1Term>("imputed"))};
       }},
      {"due", "3D, + lambda * (binary term on M + continuous term on I), both weighted by W", 3, true,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted("due", s.lambda, std::make_shared<DueTerm>(s.due))};
       }},
      {"haics", "2D middle slice, + lambda * BCE(CAM, annotation)", 2, false,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted("bce", s.lambda, std::make_shared<BceTerm>())};
       }},
      {"gradia", "2D middle slice, + lambda * L1(CAM, annotation)", 2, false,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted("l1", s.lambda, std::make_shared<L1Term>("human"))};
       }},
      {"res-g", "2D middle slice, + lambda * robust L1 at a learned threshold against the blurred annotation", 2,
       false,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted(
             "robust", s.lambda, std::make_shared<RobustTerm>(s.res_g_threshold_init, s.res_g_slack, s.res_g_blur_sigma))};
       }},
  };
  return methods;
}

const MethodSpec& find_method(const std::string& name) {
  std::string names;
  for (const MethodSpec& method : classifier_methods()) {
    if (method.name == name) return method;
    names += (names.empty() ? "" : ", ") + method.name;
  }
  throw std::invalid_argument("method '" + name + "' is not one of " + names);
}

ClassifierObjective::ClassifierObjective(std::vector<WeightedTerm> terms) : terms_(std::move(terms)) {
  for (const WeightedTerm& t : terms_) register_module("term_" + t.name, t.term);
}

bool ClassifierObjective::needs_cam() const {
  for (const WeightedTerm& t : terms_)
    if (t.term->needs_cam()) return true;
  return false;
}

std::vector<std::string> ClassifierObjective::targets() const {
  std::set<std::string> names;
  for (const WeightedTerm& t : terms_)
    for (const std::string& name : t.term->targets()) names.insert(name);
  return {names.begin(), names.end()};
}

std::vector<std::string> ClassifierObjective::term_names() const {
  std::vector<std::string> names;
  for (const WeightedTerm& t : terms_) names.push_back(t.name);
  return names;
}

std::vector<std::string> ClassifierObjective::log_columns() const {
  std::vector<std::string> columns;
  for (const WeightedTerm& t : terms_)
    for (const std::string& c : t.term->log_columns()) columns.push_back(c);
  return columns;
}

std::vector<double> ClassifierObjective::take_epoch_log() {
  std::vector<double> values;
  for (const WeightedTerm& t : terms_)
    for (double v : t.term->take_epoch_log()) values.push_back(v);
  return values;
}

ClassifierObjective::Losses ClassifierObjective::compute(const StepView& step, const torch::Tensor& sample_weight) {
  Losses losses;
  torch::Tensor per_sample = torch::nn::functional::cross_entropy(
      step.logits, step.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  if (sample_weight.defined()) per_sample = per_sample * sample_weight;
  losses.prediction = per_sample.mean();
  losses.total = losses.prediction;
  const bool any_positive = step.positives.defined() && step.positives.numel() > 0;
  for (const WeightedTerm& t : terms_) {
    torch::Tensor value = any_positive ? t.term->per_sample(step).mean() : torch::zeros({}, step.logits.options());
    losses.total = losses.total + t.lambda * value;
    losses.terms.push_back(value);
  }
  return losses;
}

}  // namespace due
