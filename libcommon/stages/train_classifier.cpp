#include "stages/train_classifier.h"

#include <cmath>
#include <set>

#include "classifier/trainer.h"
#include "cli/logging.h"
#include "cli/tool.h"
#include "util/errors.h"

namespace due {
namespace {

std::int64_t at_least(const Config& config, const std::string& key, std::int64_t minimum) {
  const std::int64_t value = config.get_int(key);
  if (value < minimum) config.fail(key, "must be >= " + std::to_string(minimum));
  return value;
}

double positive(const Config& config, const std::string& key, bool zero_allowed) {
  const double value = config.get_float(key);
  if (!(zero_allowed ? value >= 0 : value > 0)) config.fail(key, zero_allowed ? "must be >= 0" : "must be > 0");
  return value;
}

MethodSettings method_settings_from(const Config& config) {
  MethodSettings s;
  s.lambda = positive(config, "classifier.lambda", true);
  s.res_g_slack = positive(config, "classifier.res_g.slack", true);
  s.res_g_blur_sigma = positive(config, "classifier.res_g.blur_sigma", true);
  s.res_g_robust_weight = positive(config, "classifier.res_g.robust_weight", true);
  s.res_g_blur_weight = positive(config, "classifier.res_g.blur_weight", true);
  return s;
}

RaterSettings rater_settings_from(const Config& config) {
  RaterSettings r;
  r.choice = config.parse_string("classifier.raters.choice", [](const std::string& choice) {
    check_rater_choice(choice);
    return choice;
  });
  r.consensus_level = config.get_float("classifier.raters.consensus_level");
  if (!(r.consensus_level > 0 && r.consensus_level <= 1))
    config.fail("classifier.raters.consensus_level", "must be in (0, 1]");
  r.lambda_exp = positive(config, "classifier.raters.lambda_exp", true);
  r.lambda_gen = positive(config, "classifier.raters.lambda_gen", true);
  r.kl_weight = positive(config, "classifier.raters.kl_weight", true);
  r.balance_lesion = config.get_bool("classifier.raters.balance_lesion");
  r.magi.annotators = at_least(config, "classifier.raters.magi.annotators", 0);
  r.magi.width = at_least(config, "classifier.raters.magi.width", 1);
  r.magi.latent_channels = at_least(config, "classifier.raters.magi.latent_channels", 1);
  r.magi.embedding_dim = at_least(config, "classifier.raters.magi.embedding_dim", 1);
  return r;
}

// classifier.reweight.*: whether and how the prediction loss is reweighted by explanation consistency.
void reweight_settings_from(const Config& config, TrainerOptions& o) {
  const std::string mode = config.get_string("classifier.reweight.mode");
  if (mode != "none" && mode != "consistency")
    config.fail("classifier.reweight.mode", "must be none or consistency, got '" + mode + "'");
  o.reweight_consistency = mode == "consistency";
  ConsistencySettings& c = o.consistency;
  c.epsilon = positive(config, "classifier.reweight.epsilon", false);
  c.steps = at_least(config, "classifier.reweight.steps", 1);
  c.background = config.parse_string("classifier.reweight.background", parse_consistency_background);
  c.attention_threshold = config.get_float("classifier.reweight.attention_threshold");
  if (!(c.attention_threshold > 0 && c.attention_threshold <= 1))
    config.fail("classifier.reweight.attention_threshold", "must be in (0, 1]");
  c.strength = positive(config, "classifier.reweight.strength", true);
  c.refresh_every = at_least(config, "classifier.reweight.refresh_every", 1);
}

void feedback_settings_from(const Config& config, TrainerOptions& o) {
  o.feedback_lambda = positive(config, "classifier.feedback.lambda", true);
  o.feedback_rounds.baseline = at_least(config, "classifier.feedback.baseline_epochs", 0);
  o.feedback_rounds.feedback = at_least(config, "classifier.feedback.feedback_epochs", 1);
  o.feedback_rounds.after = at_least(config, "classifier.feedback.after_epochs", 0);
}

// The config the weights depend on: classifier.* but for the run's length and checkpoint interval (a resumed run
// may train longer), and the groups of steering that is off (reweight.*, raters.*, feedback.*, res_g.*).
RunFingerprint run_fingerprint(const ToolContext& context, const TrainerOptions& o) {
  std::set<std::string> excluded{"classifier.epochs", "classifier.checkpoint_every", "classifier.feedback.after_epochs"};
  auto exclude_group = [&](const std::string& group, const std::string& except) {
    for (const auto& item : context.config.node(group))
      if (group + "." + item.first.Scalar() != except) excluded.insert(group + "." + item.first.Scalar());
  };
  if (!o.reweight_consistency) exclude_group("classifier.reweight", "classifier.reweight.mode");
  if (o.raters.choice == "none") exclude_group("classifier.raters", "classifier.raters.choice");
  if (o.feedback_path.empty()) exclude_group("classifier.feedback", "");
  if (o.method != "res-g") exclude_group("classifier.res_g", "");
  RunFingerprint fingerprint;
  fingerprint.add_runtime(context.seed, context.threads, context.device);
  fingerprint.add_config(context.config, "classifier", excluded);
  return fingerprint;
}

}  // namespace

int run_train_classifier(ToolContext& context) {
  const Config& config = context.config;
  TrainerOptions o;
  o.dataset_path = context.option("data");
  o.annotations_path = context.option("annotations");
  o.out_path = context.option("out");
  o.resume = context.options.count("resume") > 0;
  o.method = config.get_string("classifier.method");
  try {
    find_method(o.method);
    o.cam_layer = parse_layer_ref(config.get_string("classifier.cam.layer"));
    o.cam_pooling = parse_cam_pooling(config.get_string("classifier.cam.pooling"));
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    config.fail(what.rfind("method", 0) == 0 ? "classifier.method"
                : what.rfind("layer", 0) == 0 ? "classifier.cam.layer" : "classifier.cam.pooling",
                what);
  }
  o.cam_weights = config.parse_string("classifier.cam.weights", parse_cam_weights);
  o.cam_align_corners = config.get_bool("classifier.cam.align_corners");
  o.method_settings = method_settings_from(config);
  o.raters = rater_settings_from(config);
  o.width = at_least(config, "classifier.width", 1);
  o.epochs = at_least(config, "classifier.epochs", 1);
  o.batch_size = at_least(config, "classifier.batch_size", 2);
  o.validation_batch_size = at_least(config, "classifier.validation_batch_size", 1);
  o.checkpoint_every = at_least(config, "classifier.checkpoint_every", 1);
  o.selection.min_epoch = at_least(config, "classifier.selection.min_epoch", 1);
  o.selection.tolerance = positive(config, "classifier.selection.tolerance", true);
  o.learning_rate = positive(config, "classifier.learning_rate", false);
  o.weight_decay = positive(config, "classifier.weight_decay", true);
  const std::string balance = config.get_string("classifier.class_balance");
  if (balance != "oversample" && balance != "none")
    config.fail("classifier.class_balance", "must be oversample or none, got '" + balance + "'");
  o.balance = balance == "oversample" ? ClassBalance::Oversample : ClassBalance::None;
  o.seed = context.seed;
  o.device = context.device;
  o.precision = config.parse_string("classifier.precision", parse_precision);
  o.provenance = context.provenance();
  reweight_settings_from(config, o);
  o.feedback_path = context.option("feedback");
  feedback_settings_from(config, o);
  o.fingerprint = run_fingerprint(context, o);

  const TrainingSummary s = train_classifier(o);
  log_info("wrote ", o.out_path, ": method ", o.method, o.raters.choice == "none" ? "" : ", raters " + o.raters.choice,
           o.reweight_consistency ? " (consistency reweighting)" : "",
           o.feedback_path.empty() ? "" : " (feedback " + o.feedback_path + ")", ", kept epoch ", s.best_epoch,
           std::isnan(s.best_pr_auc) ? std::string()
                                     : " (validation PR-AUC " + std::to_string(s.best_pr_auc) + ", loss " +
                                           std::to_string(s.best_validation_loss) + ")",
           ": ", s.selection_reason, " (epochs from ", s.min_epoch, ", PR-AUC tolerance ",
           o.selection.tolerance, "); ", s.training_samples, " training and ", s.validation_samples, " validation samples, ", s.epochs_run,
           " epoch(s) in ", s.seconds, " s, ", s.samples_per_second, " training samples/s; log ", o.out_path,
           ".log.csv");
  if (std::isnan(s.best_pr_auc))
    log_warn(o.out_path, ": ", s.validation_samples == 0 ? "the validation split is empty" : "no validation PR-AUC",
             ", so the kept epoch was not chosen on validation (", s.selection_reason,
             "); a report of this run is not a result (docs/workflow.md, \"Degenerate runs\")");
  return kExitOk;
}

}  // namespace due
