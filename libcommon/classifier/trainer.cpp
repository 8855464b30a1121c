#include "classifier/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>

#include "classifier/checkpoint_selection.h"
#include "classifier/inference.h"
#include "classifier/model_file.h"
#include "classifier/train_step.h"
#include "classifier/training_set.h"
#include "cli/logging.h"
#include "cli/progress.h"
#include "io/dataset_store.h"
#include "io/stage_files.h"
#include "metrics/classification.h"
#include "metrics/explanation.h"
#include "metrics/slice_scoring.h"
#include "nn/checkpoint.h"
#include "nn/finite_loss.h"
#include "nn/fused_adam.h"
#include "nn/stop_request.h"
#include "nn/tensors.h"
#include "nn/training_log.h"
#include "util/errors.h"
#include "util/seeding.h"
#include "util/torch_runtime.h"

namespace due {
namespace {

constexpr std::uint64_t kInitStream = 0x636c617373696e69ULL;  // "classini"
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// The CAM binarised here for the logged explanation IoUs: evaluate.threshold's default, the paper's 0.5.
constexpr double kCamThreshold = 0.5;

struct ValidationResult {
  double roc_auc = kNaN, pr_auc = kNaN, average_precision = kNaN;
  // Mean explanation IoU of the positives by due-evaluate's rule (metrics/slice_scoring.h): on the scored slice
  // and on the volume.
  double iou_slice = kNaN, iou_volume = kNaN;
  double loss = kNaN;  // mean cross-entropy of the true class, the tie-breaker of checkpoint selection
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

ValidationResult validate(ResNet18& model, const DatasetReader& dataset, const std::vector<std::size_t>& indices,
                          const ClassifierArchitecture& architecture, std::size_t batch_size,
                          const torch::Device& device) {
  ValidationResult result;
  if (indices.empty()) return result;
  model->eval();
  std::vector<double> scores;
  std::vector<std::uint8_t> labels;
  const VolumeShape& shape = architecture.volume;
  SliceVolumeAccumulator explanation({kCamThreshold}, kCamThreshold, shape, scored_slice(architecture));
  double cross_entropy = 0;
  for (std::size_t start = 0; start < indices.size(); start += batch_size) {
    const std::vector<std::size_t> chunk(indices.begin() + static_cast<std::ptrdiff_t>(start),
                                         indices.begin() + static_cast<std::ptrdiff_t>(std::min(indices.size(), start + batch_size)));
    const std::vector<DatasetSample> samples = dataset.read_batch(chunk);
    std::vector<torch::Tensor> inputs;
    std::vector<std::int64_t> positives;
    for (std::size_t i = 0; i < samples.size(); ++i) {
      inputs.push_back(network_input(samples[i].image, architecture));
      labels.push_back(samples[i].label);
      if (samples[i].label == 1) positives.push_back(static_cast<std::int64_t>(i));
    }
    const Prediction prediction = predict(model, torch::stack(inputs).to(device), architecture.cam_layer,
                                          architecture.cam_pooling, /*with_cam=*/!positives.empty(),
                                          architecture.cam_align_corners);
    const torch::Tensor probability = prediction.probability.select(1, 1).to(torch::kCPU, torch::kFloat64).contiguous();
    scores.insert(scores.end(), probability.data_ptr<double>(), probability.data_ptr<double>() + probability.numel());
    for (std::size_t i = 0; i < samples.size(); ++i) {
      const double p1 = probability.data_ptr<double>()[i];
      // Clamped as torch's cross-entropy would not need to be: the softmax can round to exactly 0 or 1.
      cross_entropy -= std::log(std::max(samples[i].label == 1 ? p1 : 1.0 - p1, 1e-12));
    }
    if (positives.empty()) continue;
    const torch::Tensor cams = prediction.cam.to(torch::kCPU, torch::kFloat32).contiguous();
    for (std::int64_t i : positives) {
      // The map as due-explain writes it: a 2D network's slice map in its slice of a zero volume.
      const float* map = cams[i].data_ptr<float>();
      const std::vector<float> cam = architecture.network.dims == 2
                                         ? slice_map_in_volume(map, shape, architecture.slice)
                                         : std::vector<float>(map, map + shape.voxels());
      explanation.add(cam.data(), samples[static_cast<std::size_t>(i)].mask.data());
    }
  }
  result.loss = cross_entropy / static_cast<double>(labels.size());
  result.roc_auc = roc_auc(scores, labels);
  result.pr_auc = pr_auc_trapezoid(scores, labels);
  result.average_precision = average_precision(scores, labels);
  if (explanation.on_volume().samples() > 0) {
    result.iou_slice = explanation.on_slice().reported().mean.iou;
    result.iou_volume = explanation.on_volume().reported().mean.iou;
  }
  return result;
}

void copy_weights(const torch::nn::Module& from, torch::nn::Module& to) {
  torch::NoGradGuard no_grad;
  const auto source_parameters = from.named_parameters();
  for (auto& item : to.named_parameters()) item.value().copy_(source_parameters[item.key()]);
  const auto source_buffers = from.named_buffers();
  for (auto& item : to.named_buffers()) item.value().copy_(source_buffers[item.key()]);
}

std::vector<std::string> log_columns(const ClassifierObjective& objective, const TrainerOptions& options) {
  std::vector<std::string> columns{"epoch", "loss_total", "loss_prediction"};
  for (const std::string& name : objective.term_names()) columns.push_back("loss_" + name);
  // Columns of the optional steering, after the method's, so a plain run's log keeps its layout.
  if (!options.feedback_path.empty()) columns.push_back("loss_feedback");
  if (options.reweight_consistency)
    for (const char* c : {"mean_consistency", "min_consistency", "max_weight"}) columns.push_back(c);
  for (const char* c : {"val_loss", "val_roc_auc", "val_pr_auc", "val_average_precision", "val_iou_slice",
                        "val_iou_volume", "seconds"})
    columns.push_back(c);
  for (const std::string& c : objective.log_columns()) columns.push_back(c);
  return columns;
}

bool reads_annotations_file(const std::vector<WeightedTerm>& terms) {
  for (const WeightedTerm& t : terms)
    for (const std::string& name : t.term->targets())
      if (name == "imputed" || name == "weight") return true;
  return false;
}

// What a checkpoint restores besides the modules and the optimizer.
struct RunState {
  std::int64_t epoch = 0;  // epochs completed
  SelectionState selection;
  // A checkpoint written on a stop request lies inside epoch `epoch + 1`: its first `batches_done` batches are
  // trained and `epoch_sums` holds what the epoch's log row sums so far (EpochSums::to_vector).
  std::int64_t batches_done = 0;
  std::vector<double> epoch_sums;
};

// The running sums of an epoch's log row.
struct EpochSums {
  std::vector<double> losses;  // total, prediction, then each term
  double samples = 0, positive_samples = 0, feedback_sum = 0, feedback_batches = 0;

  explicit EpochSums(std::size_t terms) : losses(2 + terms, 0.0) {}
  std::vector<double> to_vector() const {
    std::vector<double> v = losses;
    for (double x : {samples, positive_samples, feedback_sum, feedback_batches}) v.push_back(x);
    return v;
  }
  void restore(const std::vector<double>& v, const std::string& path) {
    if (v.size() != losses.size() + 4) throw InputError(path + ": its epoch sums do not fit this method's terms");
    std::copy(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(losses.size()), losses.begin());
    samples = v[losses.size()];
    positive_samples = v[losses.size() + 1];
    feedback_sum = v[losses.size() + 2];
    feedback_batches = v[losses.size() + 3];
  }
};

ResNetConfig architecture_network(const MethodSpec& method, const TrainerOptions& options) {
  ResNetConfig network;
  network.dims = method.dims;
  network.width = options.width;
  return network;
}

// The selection state of a checkpoint, for a run whose first candidate epoch is `min_epoch` (the rule's, clamped to
// this run's length). Raising the epochs of a run shorter than classifier.selection.min_epoch moves its first
// candidate later: the epochs the checkpoint chose among are no candidates of the longer run, which chooses as an
// uninterrupted run of its length would, from none. A first candidate earlier than the checkpoint's, among epochs
// already run, cannot be honoured (their weights are gone): refused.
void resume_selection(const CheckpointReader& checkpoint, std::int64_t min_epoch, RunState& state) {
  const std::int64_t saved = checkpoint.get_int("selection_min_epoch");
  const std::int64_t after = state.epoch + 1;  // candidates among the epochs run: those from min(first, after)
  if (std::min(saved, after) == std::min(min_epoch, after)) return;
  if (min_epoch >= after) {
    state.selection = SelectionState{};
    log_info("resuming into a longer run: its first candidate epoch is ", min_epoch, ", so the epoch the checkpoint ",
             "kept is dropped");
    return;
  }
  throw InputError(checkpoint.path() + ": chose its kept epoch from epoch " + std::to_string(saved) +
                   " on; this run's length makes epoch " + std::to_string(min_epoch) +
                   " the first candidate, among epochs already trained; delete it or run without --resume");
}

void check_options(const TrainerOptions& o) {
  if (o.out_path.empty()) throw UsageError("--out FILE is required");
  if (o.dataset_path.empty()) throw UsageError("--data FILE is required");
  if (o.epochs < 1) throw InputError("config: classifier.epochs must be >= 1");
  if (o.batch_size < 2) throw InputError("config: classifier.batch_size must be >= 2 (BatchNorm needs two samples)");
  if (o.validation_batch_size < 1) throw InputError("config: classifier.validation_batch_size must be >= 1");
  if (o.checkpoint_every < 1) throw InputError("config: classifier.checkpoint_every must be >= 1");
  if (o.width < 1) throw InputError("config: classifier.width must be >= 1");
  if (!(o.learning_rate > 0)) throw InputError("config: classifier.learning_rate must be > 0");
  if (o.reweight_consistency) {
    if (!(o.consistency.epsilon > 0)) throw InputError("config: classifier.reweight.epsilon must be > 0");
    if (o.consistency.steps < 1) throw InputError("config: classifier.reweight.steps must be >= 1");
    if (o.consistency.refresh_every < 1) throw InputError("config: classifier.reweight.refresh_every must be >= 1");
  }
  if (!o.feedback_path.empty() && o.feedback_rounds.feedback < 1)
    throw InputError("config: classifier.feedback.feedback_epochs must be >= 1");
}

}  // namespace

TrainingSummary train_classifier(const TrainerOptions& given_options) {
  check_options(given_options);
  TrainerOptions options = given_options;
  const bool with_feedback = !options.feedback_path.empty();
  if (with_feedback) options.epochs = options.feedback_rounds.total();
  // A run shorter than the minimum epoch keeps its last epoch as the only candidate rather than none.
  options.selection.min_epoch = std::min(options.selection.min_epoch, options.epochs);
  const auto start_time = std::chrono::steady_clock::now();
  const torch::Device device = torch_device(options.device);
  const MethodSpec& method = find_method(options.method);
  const DatasetReader dataset(options.dataset_path);
  if (options.raters.choice != "none" && dataset.layout().raters == 0)
    throw InputError(options.dataset_path + ": has no /raters (0 rater slots); --raters " + options.raters.choice +
                     " needs each rater's mask");

  std::vector<WeightedTerm> method_terms = method.make_terms(options.method_settings);
  std::unique_ptr<AnnotationReader> annotations;
  if (options.raters.choice != "magi" && reads_annotations_file(method_terms)) {
    if (options.annotations_path.empty())
      throw UsageError("--method " + method.name + " needs --annotations FILE (annotations.h5)");
    annotations = std::make_unique<AnnotationReader>(options.annotations_path);
  } else if (!options.annotations_path.empty()) {
    log_warn("--method ", method.name, options.raters.choice == "none" ? "" : " --raters " + options.raters.choice,
             " does not read annotations; ignoring ", options.annotations_path);
  }
  RaterSettings raters = options.raters;
  if (annotations && (raters.choice == "random" || raters.choice == "mean-loss")) {
    raters.per_rater_annotations = annotations->raters() > 0;
    if (raters.per_rater_annotations)
      log_info("--raters ", raters.choice, ": each rater's own imputed annotation and weights (",
               options.annotations_path, " was imputed per rater)");
    else
      log_warn("--raters ", raters.choice, ": ", options.annotations_path,
               " has no per-rater imputation, so every rater gets /mask's imputed annotation and weights "
               "(due-impute-annotations --per-rater imputes each rater's slices)");
  }

  // Weights and the objective's own parameters start from the seed alone.
  seed_torch(derive_seed(options.seed, kInitStream));
  ResNet18 model(architecture_network(method, options)), best_model(architecture_network(method, options));
  auto objective = std::make_shared<ClassifierObjective>(with_rater_choice(
      std::move(method_terms), method.name, method.dims, raters, static_cast<std::int64_t>(dataset.layout().raters),
      options.seed));
  MagiModel* magi = magi_model_of(objective->terms());

  ClassifierArchitecture architecture;
  architecture.network = architecture_network(method, options);
  architecture.volume = dataset.layout().shape;
  architecture.slice = middle_slice(architecture.volume.depth);  // what a 2D network sees
  architecture.cam_layer = options.cam_layer;
  architecture.cam_pooling = options.cam_pooling;
  architecture.cam_weights = options.cam_weights;
  architecture.cam_align_corners = options.cam_align_corners;
  architecture.method = method.name;
  architecture.raters = options.raters.choice;

  model->to(device);
  best_model->to(device);
  objective->to(device);
  std::vector<torch::Tensor> parameters = model->parameters();
  for (const torch::Tensor& p : objective->parameters()) parameters.push_back(p);
  FusedAdam optimizer(parameters, torch::optim::AdamOptions(options.learning_rate).weight_decay(options.weight_decay));

  const std::vector<std::size_t> train_indices = dataset.indices_of_split(kTrain);
  const std::vector<std::size_t> validation_indices = dataset.indices_of_split(kValidation);
  if (train_indices.size() < 2)
    throw InputError(options.dataset_path + ": the training split has " + std::to_string(train_indices.size()) +
                     " sample(s); at least 2 are needed");
  std::vector<std::string> target_names = objective->targets();
  const bool annotation_background =
      options.reweight_consistency && options.consistency.background == ConsistencyBackground::Annotation;
  if (annotation_background && std::find(target_names.begin(), target_names.end(), "human") == target_names.end())
    target_names.push_back("human");
  const TrainingSet training = load_training_set(dataset, train_indices, annotations.get(), target_names, architecture);
  std::unique_ptr<FeedbackMarks> feedback;
  if (with_feedback) {
    feedback = std::make_unique<FeedbackMarks>(options.feedback_path, training, dataset.layout().shape, architecture);
    log_info("feedback ", options.feedback_path, ": ", feedback->marked_cells(), " cell(s) marked irrelevant on ",
             feedback->marked_samples(), " training sample(s); rounds ", options.feedback_rounds.baseline, " + ",
             options.feedback_rounds.feedback, " (with feedback) + ", options.feedback_rounds.after, " epochs");
  }
  torch::Tensor sample_weights;  // [N] on the device while reweighting
  torch::Tensor consistency;
  std::size_t training_positives = 0;
  for (std::uint8_t label : training.labels) training_positives += label;
  if (training_positives == 0 && objective->needs_cam())
    log_warn("the training split has no positive: the explanation loss never applies");

  const std::string checkpoint_path = options.out_path + ".checkpoint";
  // What the weights depend on: the settings, and the files actually read (an ignored --annotations is not).
  RunFingerprint fingerprint = options.fingerprint;
  fingerprint.add_file("--data", options.dataset_path);
  fingerprint.add_file("--annotations", annotations ? options.annotations_path : "");
  fingerprint.add_file("--feedback", options.feedback_path);
  RunState state;
  if (options.resume && std::filesystem::exists(checkpoint_path)) {
    const CheckpointReader checkpoint(checkpoint_path, kClassifierCheckpointKind);
    const std::string saved = checkpoint.get_string("architecture");
    if (saved != architecture.to_yaml())
      throw InputError(checkpoint_path + ": was written for another architecture or method (" +
                       ClassifierArchitecture::from_yaml(saved, checkpoint_path).method +
                       "); delete it or run without --resume");
    check_run_fingerprint(checkpoint, fingerprint);
    checkpoint.load_module("model", *model);
    checkpoint.load_module("best_model", *best_model);
    checkpoint.load_module("objective", *objective);
    checkpoint.load_optimizer("optimizer", optimizer);
    state.epoch = checkpoint.get_int("epoch");
    state.selection.best_epoch = checkpoint.get_int("best_epoch");
    state.selection.best_pr_auc = checkpoint.get_float("best_pr_auc");
    state.selection.best_loss = checkpoint.get_float("best_validation_loss");
    state.selection.top_pr_auc = checkpoint.get_float("top_pr_auc");
    // Checkpoints written before stop requests existed end on an epoch and hold neither.
    if (checkpoint.has("batches_done")) {
      state.batches_done = checkpoint.get_int("batches_done");
      if (state.batches_done > 0) state.epoch_sums = checkpoint.values("epoch_sums");
    }
    if (options.reweight_consistency && checkpoint.has("reweighted")) {
      consistency = checkpoint.tensor("consistency").to(device);
      sample_weights = checkpoint.tensor("sample_weights").to(device);
    }
    if (state.epoch > options.epochs)
      throw InputError(checkpoint_path + ": was written after epoch " + std::to_string(state.epoch) + ", past the " +
                       std::to_string(options.epochs) + " epoch(s) of this run, which would keep another epoch; " +
                       "delete it or run without --resume");
    resume_selection(checkpoint, options.selection.min_epoch, state);
    if (state.batches_done > 0)
      log_info("resuming from ", checkpoint_path, " in epoch ", state.epoch + 1, " after batch ", state.batches_done);
    else
      log_info("resuming from ", checkpoint_path, " after epoch ", state.epoch);
  } else if (options.resume) {
    log_warn("--resume: no checkpoint ", checkpoint_path, "; starting afresh");
  }

  // `batches_done` > 0: written inside epoch state.epoch + 1, with that epoch's sums so far.
  auto save_checkpoint = [&](std::int64_t batches_done, const EpochSums* sums) {
    CheckpointWriter writer(kClassifierCheckpointKind);
    writer.set("architecture", architecture.to_yaml());
    writer.add_module("model", *model);
    writer.add_module("best_model", *best_model);
    writer.add_module("objective", *objective);
    writer.add_optimizer("optimizer", optimizer);
    writer.set("epoch", state.epoch);
    writer.set("best_epoch", state.selection.best_epoch);
    writer.set("best_pr_auc", state.selection.best_pr_auc);
    writer.set("best_validation_loss", state.selection.best_loss);
    writer.set("top_pr_auc", state.selection.top_pr_auc);
    writer.set("selection_min_epoch", options.selection.min_epoch);
    store_run_fingerprint(writer, fingerprint);
    writer.set("batches_done", batches_done);
    if (sums) writer.add_values("epoch_sums", sums->to_vector());
    // The consistency weights of the current refresh period, so a resumed run need not recompute them from
    // weights that have moved on since.
    if (sample_weights.defined()) {
      writer.set("reweighted", std::int64_t{1});
      writer.add_tensor("consistency", consistency);
      writer.add_tensor("sample_weights", sample_weights);
    }
    writer.set_provenance(options.provenance);
    writer.save(checkpoint_path);
  };

  TrainingLog log(options.out_path + ".log.csv", log_columns(*objective, options), options.resume ? state.epoch : -1);
  const ClassBalance balance = options.balance;
  const auto batch_size = static_cast<std::size_t>(options.batch_size);
  const std::size_t batches_per_epoch =
      epoch_batches(training.labels, batch_size, balance, options.seed, 1).size();
  Progress progress("training " + method.name, static_cast<std::uint64_t>(std::max<std::int64_t>(0, options.epochs - state.epoch)) * batches_per_epoch -
                        static_cast<std::uint64_t>(state.batches_done),
                    "batches");
  TrainingSummary summary;
  summary.training_samples = train_indices.size();
  summary.min_epoch = options.selection.min_epoch;
  summary.validation_samples = validation_indices.size();
  double step_seconds = 0, stepped_samples = 0;
  const std::vector<std::string> term_names = objective->term_names();  // how a non-finite term is named

  // SIGUSR1/SIGTERM from here on: finish the step, write the checkpoint, exit kExitInterrupted.
  const StopOnSignal stop_on_signal;
  for (std::int64_t epoch = state.epoch + 1; epoch <= options.epochs; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    model->train();
    const auto batches = epoch_batches(training.labels, batch_size, balance, options.seed, static_cast<std::uint64_t>(epoch));
    EpochSums epoch_sums(objective->term_names().size());
    // The first epoch of a run resumed from inside an epoch skips the batches already trained.
    std::size_t first_batch = 0;
    if (state.batches_done > 0) {
      first_batch = static_cast<std::size_t>(state.batches_done);
      if (first_batch > batches.size())
        throw InputError(checkpoint_path + ": was written after batch " + std::to_string(first_batch) + " of epoch " +
                         std::to_string(epoch) + ", which has " + std::to_string(batches.size()) + " batches here");
      epoch_sums.restore(state.epoch_sums, checkpoint_path);
      state.batches_done = 0;  // used up: the epochs after this one start at their first batch
    }
    std::vector<double>& sums = epoch_sums.losses;
    double& samples = epoch_sums.samples;
    double& positive_samples = epoch_sums.positive_samples;
    double& feedback_sum = epoch_sums.feedback_sum;
    double& feedback_batches = epoch_sums.feedback_batches;
    // The weights are refreshed every refresh_every epochs; a checkpoint carries the current ones, and a resume
    // from one without them (an older file) recomputes them at its first epoch.
    if (options.reweight_consistency && first_batch == 0 &&
        ((epoch - 1) % options.consistency.refresh_every == 0 || !sample_weights.defined())) {
      consistency = training_set_consistency(model, training, architecture, options.consistency, batch_size, device);
      sample_weights = consistency_weights(consistency, options.consistency.strength);
    }
    const bool feedback_epoch = with_feedback && options.feedback_rounds.with_feedback(epoch);
    for (std::size_t b = first_batch; b < batches.size(); ++b) {
      const std::vector<std::size_t>& members = batches[b];
      const Batch batch = make_batch(training, members, device);
      torch::Tensor weight;
      if (sample_weights.defined()) {
        const std::vector<std::int64_t> rows(members.begin(), members.end());
        weight = sample_weights.index_select(0, torch::tensor(rows, torch::kInt64).to(device));
      }
      ExtraLoss extra;
      if (feedback_epoch) extra = feedback->penalty(members, options.feedback_lambda, device);
      const auto step_start = std::chrono::steady_clock::now();
      const ClassifierObjective::Losses losses =
          train_step(model, *objective, optimizer, batch, architecture, weight, feedback_epoch ? &extra : nullptr,
                     options.precision);
      step_seconds += seconds_since(step_start);
      // A non-finite term stops the run before this epoch's checkpoint; the model file is never written.
      const std::string at_step = "epoch " + std::to_string(epoch) + ", batch " + std::to_string(b + 1);
      if (extra.value.defined()) {
        feedback_sum += finite_loss(extra.value, "feedback", at_step);
        ++feedback_batches;
      }
      const double n = static_cast<double>(members.size()), p = static_cast<double>(batch.positives.numel());
      stepped_samples += n;
      sums[1] += finite_loss(losses.prediction, "prediction", at_step) * n;
      // Term values are means over the batch's positives: average them over the epoch's positives.
      for (std::size_t t = 0; t < losses.terms.size(); ++t)
        sums[2 + t] += finite_loss(losses.terms[t], term_names[t], at_step) * p;
      sums[0] += finite_loss(losses.total, "total", at_step) * n;  // last: a non-finite term is named, not the sum
      samples += n;
      positive_samples += p;
      progress.advance();
      if (stop_requested()) {
        save_checkpoint(static_cast<std::int64_t>(b + 1), &epoch_sums);
        throw TrainingInterrupted("epoch " + std::to_string(epoch) + ", batch " + std::to_string(b + 1) + " of " +
                                      std::to_string(batches.size()),
                                  checkpoint_path);
      }
    }
    const ValidationResult validation = validate(model, dataset, validation_indices, architecture,
                                                 static_cast<std::size_t>(options.validation_batch_size), device);
    state.epoch = epoch;
    // With feedback the kept model must have seen it: the baseline round's epochs are not candidates.
    const bool candidate = !with_feedback || epoch > options.feedback_rounds.baseline;
    const SelectionVerdict verdict =
        offer_epoch(options.selection, state.selection, epoch, candidate, validation.pr_auc, validation.loss);
    if (kept(verdict)) {
      copy_weights(*model, *best_model);
      summary.selection_reason = selection_verdict_text(verdict);
    }
    log_debug("epoch ", epoch, " for the kept model: ", selection_verdict_text(verdict));
    const double seconds = seconds_since(epoch_start);
    std::vector<double> row{static_cast<double>(epoch), sums[0] / samples, sums[1] / samples};
    for (std::size_t t = 2; t < sums.size(); ++t) row.push_back(positive_samples > 0 ? sums[t] / positive_samples : kNaN);
    if (with_feedback) row.push_back(feedback_batches > 0 ? feedback_sum / feedback_batches : kNaN);
    if (options.reweight_consistency) {
      row.push_back(consistency.mean().item<double>());
      row.push_back(consistency.min().item<double>());
      row.push_back(sample_weights.max().item<double>());
      log_info("epoch ", epoch, ": mean explanation consistency ", row[row.size() - 3], " (min ", row[row.size() - 2],
               "), sample weights mean 1, max ", row.back());
    }
    for (double v : {validation.loss, validation.roc_auc, validation.pr_auc, validation.average_precision,
                     validation.iou_slice, validation.iou_volume, seconds})
      row.push_back(v);
    for (double v : objective->take_epoch_log()) row.push_back(v);
    log.row(row);
    log_debug("epoch ", epoch, "/", options.epochs, ": loss ", row[1], ", validation ROC-AUC ", validation.roc_auc,
              ", PR-AUC ", validation.pr_auc, ", explanation IoU ", validation.iou_slice, " (slice), ",
              validation.iou_volume, " (volume), ", seconds, " s");
    if (epoch % options.checkpoint_every == 0 || epoch == options.epochs) save_checkpoint(0, nullptr);
    ++summary.epochs_run;
  }
  progress.finish();

  // Without a usable validation PR-AUC (no validation positive) the last epoch is the model.
  const SelectionState& selection = state.selection;
  const bool validated = selection.best_epoch > 0;
  save_classifier(options.out_path, architecture, validated ? best_model : model, options.provenance,
                  validated ? selection.best_epoch : state.epoch, validated ? selection.best_pr_auc : kNaN,
                  magi ? magi->get() : nullptr);
  summary.best_epoch = validated ? selection.best_epoch : state.epoch;
  summary.best_pr_auc = validated ? selection.best_pr_auc : kNaN;
  summary.best_validation_loss = validated ? selection.best_loss : kNaN;
  if (!validated) summary.selection_reason = "no candidate epoch had a validation PR-AUC: the last epoch is kept";
  else if (summary.selection_reason.empty()) summary.selection_reason = "kept before this run resumed";
  summary.seconds = seconds_since(start_time);
  summary.samples_per_second = step_seconds > 0 ? stepped_samples / step_seconds : 0;
  return summary;
}

}  // namespace due
