#include "classifier/rater_terms.h"

#include <algorithm>
#include <limits>
#include <random>
#include <stdexcept>

#include "raters/aggregation.h"
#include "util/errors.h"
#include "util/seeding.h"
#include "util/torch_runtime.h"

namespace due {
namespace {

constexpr std::uint64_t kRandomRaterStream = 0x72616e6472617465ULL;  // "randrate"
constexpr std::uint64_t kMagiNoiseStream = 0x6d6167696e6f6973ULL;    // "maginois"

const torch::Tensor& target(const StepView& step, const std::string& name) {
  const auto it = step.targets->find(name);
  if (it == step.targets->end()) throw std::logic_error("rater term: the batch has no target '" + name + "'");
  return it->second;
}

bool reads_human(const ExplanationTerm& term) {
  const std::vector<std::string> names = term.targets();
  return std::find(names.begin(), names.end(), "human") != names.end();
}

// The inner term's targets with "human" taken from the raters.
std::vector<std::string> rater_targets_instead_of_human(const ExplanationTerm& inner) {
  std::vector<std::string> names;
  for (const std::string& name : inner.targets())
    if (name != "human") names.push_back(name);
  names.push_back("raters");
  names.push_back("rater_present");
  return names;
}

// The aggregation functions take [P, R, D, H, W]; a 2D method's raters [P, R, H, W] get a depth of 1.
torch::Tensor as_volumes(const torch::Tensor& raters) { return raters.dim() == 4 ? raters.unsqueeze(2) : raters; }
torch::Tensor like_cam(const torch::Tensor& aggregated, const torch::Tensor& raters) {
  return raters.dim() == 4 ? aggregated.squeeze(1) : aggregated;
}

// Runs `inner` with its human annotation replaced by `human` [P, spatial...].
torch::Tensor with_human(ExplanationTerm& inner, const StepView& step, const torch::Tensor& human) {
  TargetMap targets = *step.targets;
  targets["human"] = human;
  StepView view = step;
  view.targets = &targets;
  return inner.per_sample(view);
}

// consensus and random: the inner term sees one aggregated mask per positive as its human annotation.
class AggregatedRatersTerm : public ExplanationTerm {
 public:
  AggregatedRatersTerm(std::shared_ptr<ExplanationTerm> inner, RaterChoice choice, double level, std::uint64_t seed)
      : inner_(register_module("inner", std::move(inner))), choice_(choice), level_(level), seed_(seed) {
    // Counts the draws so a resumed run continues the same sequence (it is saved with the objective).
    draws_ = register_buffer("draws", torch::zeros({}, torch::kInt64));
  }
  std::vector<std::string> targets() const override { return rater_targets_instead_of_human(*inner_); }
  bool needs_cam() const override { return inner_->needs_cam(); }
  torch::Tensor per_sample(const StepView& step) override {
    const torch::Tensor& raters = target(step, "raters");
    const torch::Tensor& present = target(step, "rater_present");
    torch::Tensor aggregated;
    if (choice_ == RaterChoice::Consensus) {
      aggregated = consensus_of_available(as_volumes(raters), present, level_);
    } else {
      const std::int64_t draw = draws_.item<std::int64_t>();
      std::mt19937_64 rng(derive_seed(seed_, kRandomRaterStream, static_cast<std::uint64_t>(draw)));
      aggregated = random_available_rater(as_volumes(raters), present, rng);
      draws_.fill_(draw + 1);
    }
    return with_human(*inner_, step, like_cam(aggregated, raters).to(raters.dtype()));
  }

 private:
  std::shared_ptr<ExplanationTerm> inner_;
  RaterChoice choice_;
  double level_;
  std::uint64_t seed_;
  torch::Tensor draws_;
};

// mean-loss: the inner term once per rater slot (whole batches), averaged over each positive's available raters.
class MeanOverRatersTerm : public ExplanationTerm {
 public:
  explicit MeanOverRatersTerm(std::shared_ptr<ExplanationTerm> inner)
      : inner_(register_module("inner", std::move(inner))) {}
  std::vector<std::string> targets() const override { return rater_targets_instead_of_human(*inner_); }
  bool needs_cam() const override { return inner_->needs_cam(); }
  torch::Tensor per_sample(const StepView& step) override {
    const torch::Tensor& raters = target(step, "raters");
    std::vector<torch::Tensor> per_rater;
    for (std::int64_t r = 0; r < raters.size(1); ++r) per_rater.push_back(with_human(*inner_, step, raters.select(1, r)));
    return mean_over_available(torch::stack(per_rater, 1), target(step, "rater_present"));
  }

 private:
  std::shared_ptr<ExplanationTerm> inner_;
};

// magi: lambda_exp * sum_u w_u L1(generated mask_u, CAM) + lambda_gen * generation loss, per positive (the
// generation loss is the batch's, the same for every positive, so the mean over positives is the total).
// The generated masks are not detached: as in MAGI, the explanation loss trains the generator too.
class MagiTerm : public ExplanationTerm {
 public:
  MagiTerm(const RaterSettings& settings, std::uint64_t seed)
      : model_(register_module("magi", MagiModel(settings.magi))), settings_(settings), seed_(seed) {
    // Counts the steps: the latent noise of step k comes from a torch generator seeded by (seed, k), so a resumed
    // run draws what a straight run draws.
    steps_ = register_buffer("steps", torch::zeros({}, torch::kInt64));
  }
  std::vector<std::string> targets() const override { return {"raters", "rater_present"}; }
  torch::Tensor per_sample(const StepView& step) override {
    const std::int64_t k = steps_.item<std::int64_t>();
    seed_torch(derive_seed(seed_, kMagiNoiseStream, static_cast<std::uint64_t>(k)));
    steps_.fill_(k + 1);
    const torch::Tensor& raters = target(step, "raters");
    const torch::Tensor& present = target(step, "rater_present");
    const torch::Tensor image = step.input.index_select(0, step.positives);
    const MagiOutput out = model_->forward(image, raters, present);
    const MagiGenerationLoss generation =
        magi_generation_loss(out, raters, present, settings_.kl_weight, settings_.balance_lesion);
    const torch::Tensor explanation = magi_explanation_loss(out.masks, step.cam, model_->annotator_weights());
    const double p = static_cast<double>(explanation.size(0));
    explanation_sum_ += explanation.sum().item<double>();
    generation_sum_ += generation.total.item<double>() * p;
    positives_ += p;
    return settings_.lambda_exp * explanation + settings_.lambda_gen * generation.total;
  }
  std::vector<std::string> log_columns() const override {
    std::vector<std::string> columns{"magi_explanation", "magi_generation"};
    for (std::int64_t u = 0; u < model_->options().annotators; ++u) columns.push_back("magi_weight_" + std::to_string(u));
    return columns;
  }
  std::vector<double> take_epoch_log() override {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> values{positives_ > 0 ? explanation_sum_ / positives_ : nan,
                               positives_ > 0 ? generation_sum_ / positives_ : nan};
    const torch::Tensor weights = model_->annotator_weights().detach().to(torch::kCPU, torch::kFloat64).contiguous();
    for (std::int64_t u = 0; u < weights.size(0); ++u) values.push_back(weights[u].item<double>());
    explanation_sum_ = generation_sum_ = positives_ = 0;
    return values;
  }
  MagiModel& model() { return model_; }

 private:
  MagiModel model_;
  RaterSettings settings_;
  std::uint64_t seed_;
  torch::Tensor steps_;
  double explanation_sum_ = 0, generation_sum_ = 0, positives_ = 0;
};

}  // namespace

void check_rater_choice(const std::string& choice) {
  if (choice == "none") return;
  try {
    parse_rater_choice(choice);
  } catch (const UsageError&) {
    throw std::invalid_argument("raters choice must be none, consensus, random, mean-loss or magi; got '" + choice + "'");
  }
}

std::vector<WeightedTerm> with_rater_choice(std::vector<WeightedTerm> terms, const std::string& method, int dims,
                                            const RaterSettings& settings, std::int64_t raters, std::uint64_t seed) {
  if (settings.choice == "none") return terms;
  const RaterChoice choice = parse_rater_choice(settings.choice);
  if (choice == RaterChoice::Magi) {
    if (dims != 3) throw UsageError("--raters magi needs a 3D method; " + method + " is 2D");
    RaterSettings magi_settings = settings;
    if (magi_settings.magi.annotators == 0) magi_settings.magi.annotators = raters;
    if (magi_settings.magi.annotators < raters)
      throw UsageError("classifier.raters.magi.annotators (" + std::to_string(magi_settings.magi.annotators) +
                       ") must be at least the dataset's rater slots (" + std::to_string(raters) + ")");
    // MAGI's objective replaces the method's explanation terms; the weights are inside the term.
    return {WeightedTerm{"magi", 1.0, std::make_shared<MagiTerm>(magi_settings, seed)}};
  }
  bool any = false;
  for (WeightedTerm& t : terms) {
    if (!reads_human(*t.term)) continue;
    any = true;
    if (choice == RaterChoice::MeanLoss)
      t.term = std::make_shared<MeanOverRatersTerm>(t.term);
    else
      t.term = std::make_shared<AggregatedRatersTerm>(t.term, choice, settings.consensus_level, seed);
  }
  if (!any)
    throw UsageError("--raters " + settings.choice + " replaces the human annotation of the explanation term, and " +
                     method + " has no term that reads it (use due, haics, gradia or res-g, or --raters magi)");
  return terms;
}

MagiModel* magi_model_of(const std::vector<WeightedTerm>& terms) {
  for (const WeightedTerm& t : terms)
    if (auto* magi = dynamic_cast<MagiTerm*>(t.term.get())) return &magi->model();
  return nullptr;
}

}  // namespace due
