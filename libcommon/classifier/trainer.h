#pragma once
// The training run of due-train-classifier: epochs over the training split (code 0), validation on the
// validation split (code 1) after each, the best validation PR-AUC kept, a checkpoint every few epochs, the CSV
// log, --resume. The model file holds the best epoch's weights.
#include <cstdint>
#include <string>

#include "classifier/consistency.h"
#include "classifier/epoch_plan.h"
#include "classifier/feedback_training.h"
#include "classifier/methods.h"
#include "classifier/rater_terms.h"
#include "explain/grad_cam.h"
#include "io/provenance.h"
#include "classifier/checkpoint_selection.h"
#include "models/resnet.h"
#include "nn/precision.h"
#include "nn/run_fingerprint.h"

namespace due {

struct TrainerOptions {
  std::string dataset_path;
  std::string annotations_path;  // "" when not given
  std::string out_path;          // classifier.pt; also <out>.checkpoint and <out>.log.csv
  bool resume = false;
  std::string method = "due";
  MethodSettings method_settings;
  RaterSettings raters;  // --raters: how several raters' masks supervise the explanation (none: /mask only)
  std::int64_t width = 64;
  std::int64_t epochs = 50;
  std::int64_t batch_size = 16;
  std::int64_t validation_batch_size = 16;
  std::int64_t checkpoint_every = 1;
  SelectionRule selection;  // which epoch's weights are kept (classifier/checkpoint_selection.h)
  double learning_rate = 1e-3;
  double weight_decay = 0;
  ClassBalance balance = ClassBalance::Oversample;
  LayerRef cam_layer;
  CamPooling cam_pooling = CamPooling::Spatial;
  CamWeights cam_weights = CamWeights::Constant;
  bool cam_align_corners = true;
  std::uint64_t seed = 1;
  std::string device = "cpu";
  Precision precision = Precision::Float32;  // of the training step; validation runs in float32
  Provenance provenance;
  // The training settings, seed, threads and device the weights depend on (the stage fills it from the config);
  // the trainer adds its input files. --resume refuses a checkpoint written under another.
  RunFingerprint fingerprint;
  // --reweight consistency: each sample's prediction loss weighted by its explanation consistency.
  bool reweight_consistency = false;
  ConsistencySettings consistency;
  // --feedback FILE: the right-for-the-right-reasons penalty on the marked voxels, in rounds; then `epochs` is
  // ignored (the rounds' total is run) and the kept model is the best epoch after the baseline round.
  std::string feedback_path;
  double feedback_lambda = 1;
  FeedbackRounds feedback_rounds;
};

struct TrainingSummary {
  std::size_t training_samples = 0, validation_samples = 0;
  std::int64_t epochs_run = 0;     // in this invocation
  std::int64_t best_epoch = 0;
  double best_pr_auc = 0;          // NaN when validation had no positive (or no sample): the last epoch is kept
  double best_validation_loss = 0;
  std::string selection_reason;    // why the kept epoch was kept
  std::int64_t min_epoch = 1;      // the first candidate epoch, as applied (clamped to the run's length)
  double seconds = 0;
  double samples_per_second = 0;   // training samples through the step, this invocation
};

TrainingSummary train_classifier(const TrainerOptions& options);

}  // namespace due
