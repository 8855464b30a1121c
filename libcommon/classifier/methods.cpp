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

// Mean |cam - target| with all weights 1: imputed-l1 (against the imputed annotation) and GRADIA (against the
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
// weighted per voxel by W; unweighted (W = 1), DUE-unweighted.
class DueTerm : public ExplanationTerm {
 public:
  explicit DueTerm(bool weighted) : weighted_(weighted) {}
  std::vector<std::string> targets() const override {
    if (weighted_) return {"human", "imputed", "weight"};
    return {"human", "imputed"};
  }
  torch::Tensor per_sample(const StepView& step) override {
    return due_loss(step.cam, target(step, "human"), target(step, "imputed"),
                    weighted_ ? target(step, "weight") : torch::Tensor());
  }

 private:
  bool weighted_;
};

// Baseline+: DUE's loss form with W = 1 on the annotated slices of the provided annotation only (the human
// annotation there is the one drawn; the carried copies on other slices are never read).
class SparseDueTerm : public ExplanationTerm {
 public:
  std::vector<std::string> targets() const override { return {"human", "annotated"}; }
  torch::Tensor per_sample(const StepView& step) override {
    return sparse_due_loss(step.cam, target(step, "human"), target(step, "annotated"));
  }
};

// HAICS: binary cross-entropy of the map against the annotation.
class BceTerm : public ExplanationTerm {
 public:
  std::vector<std::string> targets() const override { return {"human"}; }
  torch::Tensor per_sample(const StepView& step) override { return map_bce(step.cam, target(step, "human")); }
};

// RES-G's robust term: the threshold solved from the batch's maps and annotations (not learned), the mean over
// the batch's annotated pixels, the slack. One number for the batch, as RES.py computes it; every positive gets
// it, so the mean over positives is that number.
class ResRobustTerm : public ExplanationTerm {
 public:
  explicit ResRobustTerm(double slack) : slack_(slack) {}
  std::vector<std::string> targets() const override { return {"human"}; }
  torch::Tensor per_sample(const StepView& step) override {
    const torch::Tensor& human = target(step, "human");
    const torch::Tensor threshold = res_threshold(step.cam, human);
    return res_robust_term(step.cam, human, threshold, slack_).expand({step.cam.size(0)});
  }

 private:
  double slack_;
};

// RES-G's second term: L1 between the map and the blurred, max-normalised positive annotation.
class ResBlurTerm : public ExplanationTerm {
 public:
  explicit ResBlurTerm(double sigma) : sigma_(sigma) {}
  std::vector<std::string> targets() const override { return {"human"}; }
  torch::Tensor per_sample(const StepView& step) override {
    return weighted_l1(step.cam, res_blurred_annotation(target(step, "human"), sigma_));
  }

 private:
  double sigma_;
};

WeightedTerm weighted(const std::string& name, double lambda, std::shared_ptr<ExplanationTerm> term) {
  return WeightedTerm{name, lambda, std::move(term)};
}

}  // namespace

const std::vector<MethodSpec>& classifier_methods() {
  static const std::vector<MethodSpec> methods{
      {"baseline", "3D, cross-entropy only", 3, false, [](const MethodSettings&) { return std::vector<WeightedTerm>{}; }},
      {"baseline-plus",
       "3D, + lambda * DUE's loss with every weight 1 on the annotated slices only (the provided sparse annotation, "
       "nothing imputed)",
       3, false,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted("sparse", s.lambda, std::make_shared<SparseDueTerm>())};
       }},
      {"due-unweighted", "3D, + lambda * DUE's loss with every weight 1 (binary term on M + continuous term on I)", 3,
       true,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted("due", s.lambda, std::make_shared<DueTerm>(false))};
       }},
      {"due", "3D, + lambda * (binary term on M + continuous term on I), both weighted by W", 3, true,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted("due", s.lambda, std::make_shared<DueTerm>(true))};
       }},
      {"haics", "2D middle slice, + lambda * BCE(CAM, annotation)", 2, false,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted("bce", s.lambda, std::make_shared<BceTerm>())};
       }},
      {"gradia", "2D middle slice, + lambda * L1(CAM, annotation)", 2, false,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted("l1", s.lambda, std::make_shared<L1Term>("human"))};
       }},
      {"res-g", "2D middle slice, + lambda * (robust term at a solved threshold + L1 to the blurred annotation)", 2,
       false,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{
             weighted("robust", s.lambda * s.res_g_robust_weight, std::make_shared<ResRobustTerm>(s.res_g_slack)),
             weighted("blur", s.lambda * s.res_g_blur_weight, std::make_shared<ResBlurTerm>(s.res_g_blur_sigma))};
       }},
      // Not a method of the paper: the continuous half of DUE-unweighted alone, kept for comparison.
      {"imputed-l1", "3D, + lambda * L1(CAM, imputed annotation), all weights 1 (no binary term)", 3, true,
       [](const MethodSettings& s) {
         return std::vector<WeightedTerm>{weighted("l1", s.lambda, std::make_shared<L1Term>("imputed"))};
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
