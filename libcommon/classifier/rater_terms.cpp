#include "classifier/rater_terms.h"

#include <algorithm>
#include <limits>
#include <map>
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

bool reads(const ExplanationTerm& term, const std::string& name) {
  const std::vector<std::string> names = term.targets();
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Target name -> its per-rater counterpart [P, R, spatial...] that a rater term reads instead: the human annotation
// always; the imputed annotation and its weights too when annotations.h5 was imputed per rater.
using RaterSwaps = std::map<std::string, std::string>;
RaterSwaps rater_swaps(bool per_rater_annotations) {
  RaterSwaps swaps{{"human", "raters"}};
  if (per_rater_annotations) {
    swaps["imputed"] = "rater_imputed";
    swaps["weight"] = "rater_weight";
  }
  return swaps;
}

// The inner term's targets with the swapped ones taken per rater.
std::vector<std::string> rater_targets(const ExplanationTerm& inner, const RaterSwaps& swaps) {
  std::vector<std::string> names;
  for (const std::string& name : inner.targets()) {
    const auto swap = swaps.find(name);
    names.push_back(swap == swaps.end() ? name : swap->second);
  }
  names.push_back("rater_present");
  return names;
}

// The aggregation functions take [P, R, D, H, W]; a 2D method's raters [P, R, H, W] get a depth of 1.
torch::Tensor as_volumes(const torch::Tensor& raters) { return raters.dim() == 4 ? raters.unsqueeze(2) : raters; }
torch::Tensor like_cam(const torch::Tensor& aggregated, const torch::Tensor& raters) {
  return raters.dim() == 4 ? aggregated.squeeze(1) : aggregated;
}

// Runs `inner` on the step's targets with `replaced` ([P, spatial...] each) put in.
torch::Tensor with_targets(ExplanationTerm& inner, const StepView& step, const TargetMap& replaced) {
  TargetMap targets = *step.targets;
  for (const auto& [name, value] : replaced) targets[name] = value;
  StepView view = step;
  view.targets = &targets;
  return inner.per_sample(view);
}

// [P, spatial...]: per positive, its entry of `per_rater` [P, R, spatial...] at the chosen slot (zeros for -1).
torch::Tensor at_chosen_slots(const torch::Tensor& per_rater, const std::vector<std::ptrdiff_t>& chosen) {
  torch::Tensor out = torch::zeros_like(per_rater.select(1, 0));
  for (std::size_t b = 0; b < chosen.size(); ++b)
    if (chosen[b] >= 0) out[static_cast<std::int64_t>(b)].copy_(per_rater[static_cast<std::int64_t>(b)][chosen[b]]);
  return out;
}

// consensus and random: the inner term sees one aggregated mask per positive as its human annotation; random
// also takes the drawn rater's imputed annotation and weights when they were imputed per rater.
class AggregatedRatersTerm : public ExplanationTerm {
 public:
  AggregatedRatersTerm(std::shared_ptr<ExplanationTerm> inner, RaterChoice choice, double level, std::uint64_t seed,
                       bool per_rater_annotations)
      : inner_(register_module("inner", std::move(inner))),
        choice_(choice),
        level_(level),
        seed_(seed),
        // The consensus's imputation is annotations.h5's /annotation (/mask is the raters' consensus).
        swaps_(rater_swaps(per_rater_annotations && choice == RaterChoice::Random)) {
    // Counts the draws so a resumed run continues the same sequence (it is saved with the objective).
    draws_ = register_buffer("draws", torch::zeros({}, torch::kInt64));
  }
  std::vector<std::string> targets() const override { return rater_targets(*inner_, swaps_); }
  bool needs_cam() const override { return inner_->needs_cam(); }
  torch::Tensor per_sample(const StepView& step) override {
    const torch::Tensor& raters = target(step, "raters");
    const torch::Tensor& present = target(step, "rater_present");
    TargetMap replaced;
    if (choice_ == RaterChoice::Consensus) {
      replaced["human"] = like_cam(consensus_of_available(as_volumes(raters), present, level_), raters);
    } else {
      const std::int64_t draw = draws_.item<std::int64_t>();
      std::mt19937_64 rng(derive_seed(seed_, kRandomRaterStream, static_cast<std::uint64_t>(draw)));
      std::vector<std::ptrdiff_t> chosen;
      replaced["human"] = like_cam(random_available_rater(as_volumes(raters), present, rng, &chosen), raters);
      draws_.fill_(draw + 1);
      for (const auto& [name, per_rater_name] : swaps_)
        if (name != "human" && reads(*inner_, name)) replaced[name] = at_chosen_slots(target(step, per_rater_name), chosen);
    }
    replaced["human"] = replaced["human"].to(raters.dtype());
    return with_targets(*inner_, step, replaced);
  }

 private:
  std::shared_ptr<ExplanationTerm> inner_;
  RaterChoice choice_;
  double level_;
  std::uint64_t seed_;
  RaterSwaps swaps_;
  torch::Tensor draws_;
};

// mean-loss: the inner term once per rater slot (whole batches), averaged over each positive's available raters;
// each slot's own imputed annotation and weights when they were imputed per rater.
class MeanOverRatersTerm : public ExplanationTerm {
 public:
  MeanOverRatersTerm(std::shared_ptr<ExplanationTerm> inner, bool per_rater_annotations)
      : inner_(register_module("inner", std::move(inner))), swaps_(rater_swaps(per_rater_annotations)) {}
  std::vector<std::string> targets() const override { return rater_targets(*inner_, swaps_); }
  bool needs_cam() const override { return inner_->needs_cam(); }
  torch::Tensor per_sample(const StepView& step) override {
    const torch::Tensor& raters = target(step, "raters");
    std::vector<torch::Tensor> per_rater;
    for (std::int64_t r = 0; r < raters.size(1); ++r) {
      TargetMap replaced;
      for (const auto& [name, per_rater_name] : swaps_)
        if (reads(*inner_, name)) replaced[name] = target(step, per_rater_name).select(1, r);
      per_rater.push_back(with_targets(*inner_, step, replaced));
    }
    return mean_over_available(torch::stack(per_rater, 1), target(step, "rater_present"));
  }

 private:
  std::shared_ptr<ExplanationTerm> inner_;
  RaterSwaps swaps_;
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
    // The epoch's sums for the log (explanation, generation, positives): a buffer, so a checkpoint written in
    // the middle of an epoch (a stop request, nn/stop_request.h) resumes them and the epoch's row is a straight
    // run's.
    epoch_sums_ = register_buffer("epoch_sums", torch::zeros({3}, torch::kFloat64));
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
    const std::vector<double> sums{explanation.sum().item<double>(), generation.total.item<double>() * p, p};
    epoch_sums_.add_(torch::tensor(sums, torch::kFloat64).to(epoch_sums_.device()));
    return settings_.lambda_exp * explanation + settings_.lambda_gen * generation.total;
  }
  std::vector<std::string> log_columns() const override {
    std::vector<std::string> columns{"magi_explanation", "magi_generation"};
    for (std::int64_t u = 0; u < model_->options().annotators; ++u) columns.push_back("magi_weight_" + std::to_string(u));
    return columns;
  }
  std::vector<double> take_epoch_log() override {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const torch::Tensor sums = epoch_sums_.to(torch::kCPU).contiguous();
    const double explanation_sum = sums[0].item<double>(), generation_sum = sums[1].item<double>(),
                 positives = sums[2].item<double>();
    std::vector<double> values{positives > 0 ? explanation_sum / positives : nan,
                               positives > 0 ? generation_sum / positives : nan};
    const torch::Tensor weights = model_->annotator_weights().detach().to(torch::kCPU, torch::kFloat64).contiguous();
    for (std::int64_t u = 0; u < weights.size(0); ++u) values.push_back(weights[u].item<double>());
    epoch_sums_.zero_();
    return values;
  }
  MagiModel& model() { return model_; }

 private:
  MagiModel model_;
  RaterSettings settings_;
  std::uint64_t seed_;
  torch::Tensor steps_;
  torch::Tensor epoch_sums_;
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
    if (!reads(*t.term, "human")) continue;
    any = true;
    if (choice == RaterChoice::MeanLoss)
      t.term = std::make_shared<MeanOverRatersTerm>(t.term, settings.per_rater_annotations);
    else
      t.term = std::make_shared<AggregatedRatersTerm>(t.term, choice, settings.consensus_level, seed,
                                                      settings.per_rater_annotations);
  }
  if (!any)
    throw UsageError("--raters " + settings.choice + " replaces the human annotation of the explanation term, and " +
                     method + " has no term that reads it (use due, baseline-plus, haics, gradia or res-g, or --raters magi)");
  return terms;
}

MagiModel* magi_model_of(const std::vector<WeightedTerm>& terms) {
  for (const WeightedTerm& t : terms)
    if (auto* magi = dynamic_cast<MagiTerm*>(t.term.get())) return &magi->model();
  return nullptr;
}

}  // namespace due
