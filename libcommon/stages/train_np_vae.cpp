#include "stages/train_np_vae.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <numeric>
#include <random>

#include "cli/logging.h"
#include "cli/progress.h"
#include "cli/tool.h"
#include "data/sparse_slices.h"
#include "io/stage_files.h"
#include "io/training_dataset.h"
#include "models/np_vae.h"
#include "models/np_vae_gaps.h"
#include "nn/checkpoint.h"
#include "nn/finite_loss.h"
#include "nn/run_fingerprint.h"
#include "nn/fused_adam.h"
#include "nn/tensors.h"
#include "nn/stop_request.h"
#include "nn/training_log.h"
#include "util/errors.h"
#include "util/seeding.h"

namespace due {
namespace {

constexpr const char* kCheckpointKind = "due-npvae-checkpoint";
// derive_seed streams of this stage.
constexpr std::uint64_t kInitStream = 0x4e50'0001;
constexpr std::uint64_t kBatchStream = 0x4e50'0002;
constexpr std::uint64_t kNoiseStream = 0x4e50'0003;

struct TrainingSettings {
  NpVaeArchitecture architecture;
  double kl_weight = 0;
  std::int64_t steps = 0, batch_size = 0, checkpoint_every = 0, log_every = 0;
  double learning_rate = 0;
};

TrainingSettings settings_from(const Config& config, const VolumeShape& shape) {
  TrainingSettings s;
  NpVaeArchitecture& a = s.architecture;
  a.height = static_cast<std::int64_t>(shape.height);
  a.width = static_cast<std::int64_t>(shape.width);
  auto positive = [&](const char* key) {
    const std::int64_t value = config.get_int(key);
    if (value < 1) config.fail(key, "must be >= 1");
    return value;
  };
  a.channels = positive("npvae.channels");
  a.latent_channels = positive("npvae.latent_channels");
  a.levels = config.get_int("npvae.levels");
  if (a.levels < 0 || a.levels > 6) config.fail("npvae.levels", "must be in 0..6");
  a.position_frequencies = config.get_int("npvae.position_frequencies");
  if (a.position_frequencies < 0 || a.position_frequencies > 16) config.fail("npvae.position_frequencies", "must be in 0..16");
  a.reconstruction = config.parse_string("npvae.reconstruction", parse_reconstruction);
  a.min_scale = config.get_float("npvae.min_scale");
  if (!(a.min_scale > 0)) config.fail("npvae.min_scale", "must be > 0");
  s.kl_weight = config.get_float("npvae.kl_weight");
  if (!(s.kl_weight >= 0)) config.fail("npvae.kl_weight", "must be >= 0");
  s.steps = positive("npvae.steps");
  s.batch_size = positive("npvae.batch_size");
  s.checkpoint_every = positive("npvae.checkpoint_every");
  s.log_every = positive("npvae.log_every");
  s.learning_rate = config.get_float("npvae.learning_rate");
  if (!(s.learning_rate > 0)) config.fail("npvae.learning_rate", "must be > 0");
  return s;
}

// Every missing slice of the positives of one split, with its diffusion variance as the target.
struct TrainingSet {
  GapQueries queries;
  std::vector<float> targets;  // one H*W slice per query
  std::size_t samples = 0;
  torch::Tensor target_tensor(const torch::Tensor& rows) const {
    const auto n = static_cast<std::int64_t>(queries.size());
    return torch::from_blob(const_cast<float*>(targets.data()), {n, 1, height, width}, torch::kFloat32).index_select(0, rows);
  }
  std::int64_t height, width;
};

TrainingSet load_split(const TrainingDatasetReader& dataset, const VarianceReader& variance, std::uint8_t split) {
  const VolumeShape& shape = dataset.layout().shape;
  const auto h = static_cast<std::int64_t>(shape.height), w = static_cast<std::int64_t>(shape.width);
  TrainingSet set{GapQueries(h, w), {}, 0, h, w};
  const std::size_t plane = shape.height * shape.width;
  const std::vector<std::uint8_t> labels = dataset.labels();
  for (std::size_t index : dataset.indices_of_split(split)) {
    if (labels[index] != 1) continue;
    const DatasetSample sample = dataset.read(index);
    const VarianceRow row = variance.read(variance.require(sample.id));
    if (row.annotated_slices != sample.annotated_slices)
      throw InputError(variance.path() + ": row '" + sample.id + "' was filled for other annotated slices than " +
                       dataset.path() + " has");
    const std::size_t first = set.queries.size();
    set.queries.add_volume(sparse_annotation(sample.mask, sample.annotated_slices), shape, sample.annotated_slices);
    for (std::size_t q = first; q < set.queries.size(); ++q) {
      const auto begin = row.variance.begin() + static_cast<std::ptrdiff_t>(set.queries.slice(q) * plane);
      set.targets.insert(set.targets.end(), begin, begin + static_cast<std::ptrdiff_t>(plane));
    }
    ++set.samples;
  }
  return set;
}

// The training batches: an endless stream of per-epoch shuffles of all queries, cut into batches of equal size,
// so batch k depends only on (seed, k) and a resumed run draws the batches it would have drawn.
class BatchStream {
 public:
  BatchStream(std::size_t queries, std::size_t batch_size, std::uint64_t seed)
      : queries_(queries), batch_size_(batch_size), seed_(seed) {}

  torch::Tensor rows(std::int64_t step) {  // step counts from 1
    std::vector<std::int64_t> rows(batch_size_);
    for (std::size_t i = 0; i < batch_size_; ++i) {
      const std::size_t item = static_cast<std::size_t>(step - 1) * batch_size_ + i;
      rows[i] = permutation(item / queries_)[item % queries_];
    }
    return torch::tensor(rows, torch::kInt64);
  }

 private:
  const std::vector<std::int64_t>& permutation(std::size_t epoch) {
    if (epoch != epoch_ || order_.empty()) {
      order_.resize(queries_);
      std::iota(order_.begin(), order_.end(), 0);
      std::mt19937_64 rng(derive_seed(seed_, kBatchStream, epoch));
      std::shuffle(order_.begin(), order_.end(), rng);
      epoch_ = epoch;
    }
    return order_;
  }

  std::size_t queries_, batch_size_;
  std::uint64_t seed_;
  std::size_t epoch_ = 0;
  std::vector<std::int64_t> order_;
};

// Mean absolute error of the deterministic prediction over a set: the figure the log reports for validation.
double mean_absolute_error(NpVaeImpl& model, const TrainingSet& set, const torch::Device& device, std::int64_t batch) {
  if (set.queries.size() == 0) return std::numeric_limits<double>::quiet_NaN();
  torch::NoGradGuard no_grad;
  const bool was_training = model.is_training();
  model.eval();
  double sum = 0;
  for (std::size_t begin = 0; begin < set.queries.size(); begin += static_cast<std::size_t>(batch)) {
    const std::size_t end = std::min(set.queries.size(), begin + static_cast<std::size_t>(batch));
    const torch::Tensor rows = torch::arange(static_cast<std::int64_t>(begin), static_cast<std::int64_t>(end), torch::kInt64);
    const torch::Tensor predicted = model.predict(set.queries.batch(rows).to(device)).variance;
    sum += (predicted - set.target_tensor(rows).to(device)).abs().sum().item<double>();
  }
  model.train(was_training);
  return sum / static_cast<double>(set.targets.size());
}

double mean_of(const std::vector<float>& values) {
  return values.empty() ? std::numeric_limits<double>::quiet_NaN()
                        : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// What the weights depend on (nn/run_fingerprint.h): npvae.* but for the run's length and its checkpoint and log
// intervals, the runtime, dataset.h5 and variance.h5.
RunFingerprint run_fingerprint(const ToolContext& context, const TrainNpVaePaths& paths) {
  RunFingerprint fingerprint;
  fingerprint.add_runtime(context.seed, context.threads, context.device);
  fingerprint.add_config(context.config, "npvae", {"npvae.steps", "npvae.checkpoint_every", "npvae.log_every"});
  fingerprint.add_file("--data", paths.data);
  fingerprint.add_file("--variance", paths.variance);
  return fingerprint;
}

void save_checkpoint(const std::string& path, NpVae& model, torch::optim::Adam& optimizer, std::int64_t step,
                     const LogWindow& window, const ToolContext& context, const RunFingerprint& fingerprint) {
  CheckpointWriter writer(kCheckpointKind);
  store_run_fingerprint(writer, fingerprint);
  writer.add_values("log_window", window.state());
  writer.add_module("model", *model);
  writer.add_optimizer("optimizer", optimizer);
  writer.set("step", step);
  writer.set("architecture", model->architecture().to_yaml());
  writer.set_provenance(context.provenance());
  writer.save(path);
}

}  // namespace

int run_train_np_vae(ToolContext& context, const TrainNpVaePaths& paths) {
  if (paths.data.empty()) throw UsageError("--data FILE (dataset.h5) is required");
  if (paths.variance.empty()) throw UsageError("--variance FILE (variance.h5) is required");
  if (paths.out.empty()) throw UsageError("--out FILE is required");
  // The NP-VAE learns from annotated slices and the diffusion variance, never from the slices between them.
  const TrainingDatasetReader dataset(paths.data);
  const VarianceReader variance(paths.variance);
  const VolumeShape& shape = dataset.layout().shape;
  if (!(variance.shape() == shape))
    throw InputError(paths.variance + ": volumes are not of the shape of " + paths.data + "'s");
  const TrainingSettings settings = settings_from(context.config, shape);
  const torch::Device device = torch_device(context.device);
  const std::string checkpoint_path = paths.out + ".checkpoint";
  // Another run's checkpoint is refused before the data are read.
  const RunFingerprint fingerprint = run_fingerprint(context, paths);
  const bool resuming = paths.resume && std::filesystem::exists(checkpoint_path);
  if (resuming) {
    const CheckpointReader checkpoint(checkpoint_path, kCheckpointKind);
    check_run_fingerprint(checkpoint, fingerprint);
    if (checkpoint.get_int("step") > settings.steps)
      throw InputError(checkpoint_path + ": was written at step " + std::to_string(checkpoint.get_int("step")) +
                       ", past npvae.steps " + std::to_string(settings.steps) + "; delete it or run without --resume");
  }

  const TrainingSet train = load_split(dataset, variance, kTrain);
  if (train.queries.size() == 0)
    throw InputError(paths.data + ": the training split has no positive with a missing slice to learn from");
  const TrainingSet validation = load_split(dataset, variance, kValidation);
  log_info("NP-VAE targets: ", train.queries.size(), " missing slices of ", train.samples, " training positives (",
           validation.queries.size(), " of ", validation.samples, " for validation); mean variance ",
           mean_of(train.targets), ", so predicting 0 everywhere scores L1 ", mean_of(validation.targets),
           " on validation");
  if (validation.queries.size() == 0)
    log_warn(paths.data, ": the validation split has no positive with a missing slice: the NP-VAE's validation L1 "
             "is undefined (nan) and nothing checks it (docs/workflow.md, \"Degenerate runs\")");

  torch::manual_seed(derive_seed(context.seed, kInitStream));
  NpVae model(settings.architecture);
  model->to(device);
  model->train();
  FusedAdam optimizer(model->parameters(), torch::optim::AdamOptions(settings.learning_rate));

  std::int64_t step = 0;
  LogWindow window(3);  // loss, reconstruction, KL
  if (resuming) {
    CheckpointReader checkpoint(checkpoint_path, kCheckpointKind);
    if (checkpoint.get_string("architecture") != settings.architecture.to_yaml())
      throw InputError(checkpoint_path + ": was trained with another architecture than the config asks for");
    checkpoint.load_module("model", *model);
    checkpoint.load_optimizer("optimizer", optimizer);
    step = checkpoint.get_int("step");
    // Older checkpoints were written on a log row, with an empty window.
    if (checkpoint.has_tensor("log_window")) window.restore(checkpoint.values("log_window"), checkpoint_path);
    log_info("resuming from ", checkpoint_path, " at step ", step);
  } else if (paths.resume) {
    log_info("no checkpoint ", checkpoint_path, " yet: starting from the beginning");
  }

  TrainingLog log(paths.out + ".log.csv",
                  {"step", "loss", "reconstruction", "kl", "validation_l1", "slices_per_s"}, paths.resume ? step : -1);
  BatchStream batches(train.queries.size(), static_cast<std::size_t>(settings.batch_size), context.seed);
  Progress progress("np-vae steps", static_cast<std::uint64_t>(std::max<std::int64_t>(0, settings.steps - step)), "steps");
  std::int64_t steps_here = 0;  // of the window, in this process: the rate's
  auto last_log = std::chrono::steady_clock::now();
  double last_validation = std::numeric_limits<double>::quiet_NaN();
  // SIGUSR1/SIGTERM from here on: finish the step, write the checkpoint, exit kExitInterrupted.
  const StopOnSignal stop_on_signal;
  while (step < settings.steps) {
    ++step;
    const torch::Tensor rows = batches.rows(step);
    const NpVaeBatch batch = train.queries.batch(rows).to(device);
    const torch::Tensor target = train.target_tensor(rows).to(device);
    const torch::Tensor noise =
        model->latent_noise(settings.batch_size, derive_seed(context.seed, kNoiseStream, static_cast<std::uint64_t>(step)), device);
    const NpVaeLoss loss =
        np_vae_loss(model->forward_train(batch, target, noise), target, settings.architecture.reconstruction, settings.kl_weight);
    optimizer.zero_grad();
    loss.total.backward();
    optimizer.step();
    // A non-finite term stops the run before this step's checkpoint; the model file is never written. The sum
    // last, so that the term that made it non-finite is the one named.
    const std::string at_step = "step " + std::to_string(step);
    const double reconstruction = finite_loss(loss.reconstruction, "reconstruction", at_step);
    const double kl = finite_loss(loss.kl, "kl", at_step);
    window.add({finite_loss(loss.total, "loss", at_step), reconstruction, kl});
    ++steps_here;
    progress.advance();
    if (step % settings.log_every == 0 || step == settings.steps) {
      const auto now = std::chrono::steady_clock::now();
      const double seconds = std::chrono::duration<double>(now - last_log).count();
      last_validation = mean_absolute_error(*model, validation, device, settings.batch_size);
      log.row({static_cast<double>(step), window.mean(0), window.mean(1), window.mean(2), last_validation,
               static_cast<double>(steps_here * settings.batch_size) / std::max(seconds, 1e-9)});
      log_debug("step ", step, ": loss ", window.mean(0), ", validation L1 ", last_validation);
      window.clear();
      steps_here = 0;
      last_log = std::chrono::steady_clock::now();
    }
    const bool stop = stop_requested() && step < settings.steps;  // read once: the signal may come in between
    if (step % settings.checkpoint_every == 0 || step == settings.steps || stop)
      save_checkpoint(checkpoint_path, model, optimizer, step, window, context, fingerprint);
    if (stop)
      throw TrainingInterrupted("step " + std::to_string(step) + " of " + std::to_string(settings.steps), checkpoint_path);
  }
  progress.finish();
  if (std::isnan(last_validation)) last_validation = mean_absolute_error(*model, validation, device, settings.batch_size);

  CheckpointWriter writer(kNpVaeKind);
  writer.add_module("model", *model);
  writer.set("architecture", settings.architecture.to_yaml());
  writer.set("step", step);
  writer.set("training_slices", static_cast<std::int64_t>(train.queries.size()));
  writer.set("dataset", paths.data);
  writer.set("variance", paths.variance);
  writer.set_provenance(context.provenance());
  writer.save(paths.out);
  log_info("wrote ", paths.out, ": NP-VAE after ", step, " steps of ", settings.batch_size, " slices; validation L1 ",
           last_validation, " (predicting 0: ", mean_of(validation.targets), "); log ", log.path());
  return kExitOk;
}

}  // namespace due
