#pragma once
// The training methods of due-train-classifier. A method is a network (3D or 2D) and a list of weighted
// explanation terms; the objective of a step is
//   mean_b(w_b * CE(logits_b, y_b)) + sum_t lambda_t * mean over the positives of term_t
// with w the per-sample weights (all 1 unless a reweighting fills them). Adding a method means adding a term
// class (or reusing one) and one entry in the registry (methods.cpp); a term declares the targets it reads, and
// the training set (training_set.h) knows how to build each target by name. See docs/classifier.md.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <torch/torch.h>

#include "losses/explanation_losses.h"

namespace due {

// Per-positive targets of a batch by name, each [P, spatial...] like the CAM:
//   "human"   M: the human annotation carried to every slice from its nearest annotated slice (dataset.h5)
//   "annotated"  [P, D]: 1 on the depth indices a human annotated, 0 elsewhere (dataset.h5; 3D methods only)
//   "imputed" I: the dense imputed annotation (annotations.h5 /annotation)
//   "weight"  W: the per-voxel weight (annotations.h5 /weight)
//   "raters"  each rater's mask carried like "human", [P, R, spatial...] (dataset.h5 /raters; --raters)
//   "rater_present"  [P, R]: 1 where the rater annotated the sample (dataset.h5 /rater_present; --raters)
//   "rater_imputed", "rater_weight"  [P, R, spatial...]: each rater's own I and W (annotations.h5 imputed per
//                    rater, /rater_annotation and /rater_weight; --raters random|mean-loss)
using TargetMap = std::map<std::string, torch::Tensor>;

// What one training step shows the explanation terms.
struct StepView {
  torch::Tensor input;      // [B, 1, spatial...] the network's input
  torch::Tensor labels;     // [B] int64
  torch::Tensor logits;     // [B, classes]
  torch::Tensor positives;  // [P] int64: rows of the batch with label 1
  torch::Tensor cam;        // [P, spatial...] Grad-CAM of the positives for their true class, trainable
  const TargetMap* targets = nullptr;
};

// One explanation loss term. A module, so learnable pieces (a rater model) are trained by the same optimizer and
// saved in the same checkpoint as the network.
class ExplanationTerm : public torch::nn::Module {
 public:
  // Names of the targets (see TargetMap) the term reads.
  virtual std::vector<std::string> targets() const = 0;
  // Whether the step must compute the positives' Grad-CAM for this term.
  virtual bool needs_cam() const { return true; }
  // Per-positive losses [P].
  virtual torch::Tensor per_sample(const StepView& step) = 0;
  // Extra columns of the training log (e.g. MAGI's annotator weights), and their values for the epoch just
  // trained; taking them starts the next epoch's sums.
  virtual std::vector<std::string> log_columns() const { return {}; }
  virtual std::vector<double> take_epoch_log() { return {}; }
};

struct WeightedTerm {
  std::string name;  // column of the training log: loss_<name>
  double lambda = 1;
  std::shared_ptr<ExplanationTerm> term;
};

// The settings the methods read from the config (classifier.*).
struct MethodSettings {
  double lambda = 1;
  // RES-G (RES.py run with --transforms Gaussian --eta 0.1, its README's command): the robust term's slack eta,
  // the sigma of the 3x3 blur (0: OpenCV's fixed kernel, what cv2.GaussianBlur(., (3, 3), 0) uses), and each
  // term's weight, multiplied by lambda (RES.py adds both terms with weight 1).
  double res_g_slack = 0.1;
  double res_g_blur_sigma = 0;
  double res_g_robust_weight = 1;
  double res_g_blur_weight = 1;
};

struct MethodSpec {
  std::string name;
  std::string summary;
  int dims = 3;                    // 3: the volume; 2: its middle slice
  bool needs_annotations = false;  // reads annotations.h5
  std::function<std::vector<WeightedTerm>(const MethodSettings&)> make_terms;
};

const std::vector<MethodSpec>& classifier_methods();
// std::invalid_argument listing the methods when `name` is not one.
const MethodSpec& find_method(const std::string& name);

// A method's terms as one module: computes the step's losses.
class ClassifierObjective : public torch::nn::Module {
 public:
  explicit ClassifierObjective(std::vector<WeightedTerm> terms);

  bool needs_cam() const;
  std::vector<std::string> targets() const;
  std::vector<std::string> term_names() const;
  const std::vector<WeightedTerm>& terms() const { return terms_; }
  // The terms' extra log columns (ExplanationTerm::log_columns), in term order, and the epoch's values.
  std::vector<std::string> log_columns() const;
  std::vector<double> take_epoch_log();

  struct Losses {
    torch::Tensor total;               // scalar, what is minimised
    torch::Tensor prediction;          // scalar: weighted cross-entropy
    std::vector<torch::Tensor> terms;  // scalar per term (before lambda); 0 when the batch has no positive
  };
  // `sample_weight` [B] (undefined: all 1) weights each sample's cross-entropy.
  Losses compute(const StepView& step, const torch::Tensor& sample_weight = {});

 private:
  std::vector<WeightedTerm> terms_;
};

}  // namespace due
