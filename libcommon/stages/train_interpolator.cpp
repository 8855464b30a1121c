#include "stages/train_interpolator.h"

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>

#include "cli/logging.h"
#include "cli/progress.h"
#include "cli/tool.h"
#include "diffusion/image_condition.h"
#include "diffusion/interpolator_trainer.h"
#include "diffusion/triple_augmentation.h"
#include "io/training_dataset.h"
#include "nn/checkpoint.h"
#include "nn/tensors.h"
#include "nn/stop_request.h"
#include "nn/training_log.h"
#include "util/errors.h"
#include "util/seeding.h"

namespace due {
namespace {

constexpr std::uint64_t kTripleStream = 0x7121;
constexpr std::uint64_t kNoiseStream = 0x7122;
constexpr std::uint64_t kAugmentStream = 0x7123;

struct TrainingData {
  std::vector<torch::Tensor> masks;   // [D, H, W] in {0, 1}, 0 outside the annotated slices
  std::vector<torch::Tensor> images;  // [D, H, W] /image, when the network sees the scan; empty otherwise
  std::vector<SliceTriple> triples;
};

// The training positives' annotated slices and the triples they make. Read through TrainingDatasetReader, so
// nothing here can reach a slice between annotated ones.
TrainingData training_data(const TrainingDatasetReader& dataset, TripleChoice choice, bool with_images) {
  TrainingData data;
  const std::vector<std::uint8_t> labels = dataset.labels();
  const VolumeShape& shape = dataset.layout().shape;
  std::vector<std::vector<std::uint8_t>> layouts, foreground;
  for (std::size_t index : dataset.indices_of_split(kTrain)) {
    if (labels[index] != 1) continue;
    const DatasetSample sample = dataset.read(index);
    layouts.push_back(sample.annotated_slices);
    const torch::Tensor mask = volume_tensor(sample.mask, shape);
    const torch::Tensor has_foreground = mask.flatten(1).amax(1).gt(0).to(torch::kUInt8).contiguous();
    foreground.emplace_back(has_foreground.data_ptr<std::uint8_t>(),
                            has_foreground.data_ptr<std::uint8_t>() + shape.depth);
    data.masks.push_back(mask);
    if (with_images) data.images.push_back(volume_tensor(sample.image, shape));
  }
  data.triples = annotated_triples(layouts, foreground, choice);
  if (data.triples.empty())
    throw InputError(dataset.path() + ": no training positive has three annotated slices with foreground on one of "
                     "them to learn from (" + std::to_string(data.masks.size()) + " training positives)");
  return data;
}

// What the weights depend on (nn/run_fingerprint.h): interpolator.model, .schedule and .train but for the run's
// length and its checkpoint and log intervals, the runtime and dataset.h5.
RunFingerprint run_fingerprint(const ToolContext& context, const std::string& data_path) {
  RunFingerprint fingerprint;
  fingerprint.add_runtime(context.seed, context.threads, context.device);
  fingerprint.add_config(context.config, "interpolator.model");
  fingerprint.add_config(context.config, "interpolator.schedule");
  fingerprint.add_config(context.config, "interpolator.train",
                         {"interpolator.train.steps", "interpolator.train.checkpoint_every",
                          "interpolator.train.log_every"});
  fingerprint.add_file("--data", data_path);
  return fingerprint;
}

}  // namespace

int run_train_interpolator(ToolContext& context, const std::string& data_path, const std::string& out_path,
                           bool resume) {
  if (data_path.empty()) throw UsageError("--data FILE is required");
  if (out_path.empty()) throw UsageError("--out FILE is required");
  const Config& config = context.config;
  const InterpolatorArchitecture architecture = interpolator_architecture_from(config);
  const InterpolatorTrainingConfig train = interpolator_training_config_from(config);
  const TrainingDatasetReader dataset(data_path);
  const VolumeShape& shape = dataset.layout().shape;
  const std::int64_t multiple = architecture.unet.size_multiple();
  if (static_cast<std::int64_t>(shape.height) % multiple || static_cast<std::int64_t>(shape.width) % multiple)
    config.fail("interpolator.model.channel_mult", "needs slices whose height and width are multiples of " +
                                                       std::to_string(multiple) + "; " + data_path + " has " +
                                                       std::to_string(shape.height) + "x" + std::to_string(shape.width));
  const std::string checkpoint_path = out_path + ".checkpoint";
  // Another run's checkpoint is refused before the data are read.
  const RunFingerprint fingerprint = run_fingerprint(context, data_path);
  const bool resuming = resume && std::filesystem::exists(checkpoint_path);
  if (resuming) {
    const CheckpointReader checkpoint(checkpoint_path, kInterpolatorCheckpointKind);
    check_run_fingerprint(checkpoint, fingerprint);
    if (checkpoint.get_int("step") > train.steps)
      throw InputError(checkpoint_path + ": was written at step " + std::to_string(checkpoint.get_int("step")) +
                       ", past interpolator.train.steps " + std::to_string(train.steps) +
                       "; delete it or run without --resume");
  }
  const TrainingData data = training_data(dataset, train.triples, takes_image(architecture.unet));
  std::set<std::size_t> spans;
  for (const SliceTriple& t : data.triples) spans.insert(t.after - t.before);
  std::string span_list;
  for (std::size_t s : spans) span_list += (span_list.empty() ? "" : ",") + std::to_string(s);
  log_info("training on the annotated slices of ", data.masks.size(), " training positives: ", data.triples.size(), " ",
           triple_choice_name(train.triples), " triples with foreground, spans {", span_list, "}");

  const torch::Device device = torch_device(context.device);
  InterpolatorTrainer trainer(architecture, train, device);
  LogWindow window(1);  // the loss
  if (resume) {
    if (resuming) {
      trainer.load_checkpoint(checkpoint_path, &window);
      log_info("resuming from ", checkpoint_path, " at step ", trainer.steps_done());
    } else {
      log_warn("--resume: no ", checkpoint_path, " yet, starting from step 0");
    }
  }
  TrainingLog log(out_path + ".log.csv", {"step", "loss", "rate"}, resume ? trainer.steps_done() : -1);
  const Provenance provenance = context.provenance();

  // Counts this run's steps only, so a resumed run's rate and ETA are its own.
  Progress progress("interpolator", static_cast<std::uint64_t>(std::max<std::int64_t>(train.steps - trainer.steps_done(), 0)),
                    "steps");
  auto window_start = std::chrono::steady_clock::now();
  std::int64_t steps_here = 0;
  // SIGUSR1/SIGTERM from here on: finish the step, write the checkpoint, exit kExitInterrupted.
  const StopOnSignal stop_on_signal;
  while (trainer.steps_done() < train.steps) {
    const std::int64_t step = trainer.steps_done();
    std::mt19937_64 rng(derive_seed(context.seed, kTripleStream, static_cast<std::uint64_t>(step)));
    std::vector<SliceTriple> triples;
    for (std::int64_t i = 0; i < train.batch_size; ++i) triples.push_back(draw_triple(data.triples, rng));
    TripleBatch batch = make_triple_batch(triples, data.masks, data.images);
    if (train.augment)
      batch = augment_triples(batch, derive_seed(context.seed, kAugmentStream, static_cast<std::uint64_t>(step)));
    window.add({trainer.step(batch, derive_seed(context.seed, kNoiseStream, static_cast<std::uint64_t>(step)))});
    ++steps_here;
    progress.advance();
    const std::int64_t done = trainer.steps_done();
    if (done % train.log_every == 0 || done == train.steps) {
      const auto now = std::chrono::steady_clock::now();
      const double seconds = std::chrono::duration<double>(now - window_start).count();
      // The rate counts this process's steps of the window (a resumed window's earlier ones ran elsewhere).
      log.row({static_cast<double>(done), window.mean(0), seconds > 0 ? static_cast<double>(steps_here) / seconds : 0.0});
      window.clear();
      window_start = now;
      steps_here = 0;
    }
    const bool stop = stop_requested() && done < train.steps;  // read once: the signal may come in between
    if (done % train.checkpoint_every == 0 || done == train.steps || stop)
      trainer.save_checkpoint(checkpoint_path, provenance, &window, &fingerprint);
    if (stop)
      throw TrainingInterrupted("step " + std::to_string(done) + " of " + std::to_string(train.steps), checkpoint_path);
  }
  progress.finish();
  trainer.save_model(out_path, provenance);
  log_info("wrote ", out_path, " after ", trainer.steps_done(), " steps; log ", log.path());
  return kExitOk;
}

}  // namespace due
