// Walltime-safe training (nn/stop_request.h): a training tool sent SIGUSR1 or SIGTERM by a real kill(1) while it
// trains finishes its step, writes its checkpoint, exits 75 without a model file, and --resume then ends with
// exactly the weights and log rows of an uninterrupted run. The stop falls at whatever step the tool has reached
// (never on purpose on a log row or an epoch's end), which is what a scheduler's signal does.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <sstream>

#include <torch/torch.h>

#include "classifier/model_file.h"
#include "data/sparse_slices.h"
#include "diffusion/interpolator_trainer.h"
#include "imputation/classical.h"
#include "io/atomic_output.h"
#include "io/dataset_store.h"
#include "io/stage_files.h"
#include "models/np_vae.h"
#include "nn/checkpoint.h"
#include "nn/stop_request.h"
#include "module_support.h"
#include "support.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;

namespace {

std::size_t line_count(const std::string& path) {
  const std::string text = due::test::read_text(path);
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

// Starts `command` in the background, waits until `log` has `lines` lines (so training is under way), sends it
// `signal_name` with kill(1) and returns its exit status and output.
due::test::CommandResult interrupt(const due::test::ScratchDir& dir, const std::string& command,
                                   const std::string& log, int lines, const std::string& signal_name) {
  const std::string script = dir.file("interrupt.sh"), output = dir.file("interrupted.out");
  due::test::write_text(script, command + " > " + output + " 2>&1 &\n"
                                "pid=$!\n"
                                "i=0\n"
                                "while [ \"$(cat " + log + " 2>/dev/null | wc -l)\" -lt " + std::to_string(lines) +
                                " ] && [ $i -lt 6000 ] && kill -0 $pid 2>/dev/null; do sleep 0.01; i=$((i+1)); done\n"
                                "kill -" + signal_name + " $pid\n"
                                "wait $pid\n"
                                "exit $?\n");
  due::test::CommandResult result = run_command("sh " + script);
  result.output = due::test::read_text(output);
  return result;
}

// The CSV log without its last column (a time or a rate), which differs from run to run.
std::string log_without_last_column(const std::string& path) {
  std::istringstream in(due::test::read_text(path));
  std::string line, out;
  while (std::getline(in, line)) out += line.substr(0, line.rfind(',')) + "\n";
  return out;
}

// Every parameter and buffer of module `name` in `a` and `b` (files of `kind`) is equal, bit for bit.
template <typename Module>
void check_equal_module(const std::string& a, const std::string& b, const char* kind, const char* name, Module x,
                        Module y) {
  due::CheckpointReader(a, kind).load_module(name, *x);
  due::CheckpointReader(b, kind).load_module(name, *y);
  due::test::check_same_state(x, y, name);
}

// Resumes the stopped step trainer `train` (stopped at `step`, output `out`) up to `steps`, runs the same training
// straight to `steps`, checks both logs are the same rows, and returns the straight run's model path.
std::string resume_and_run_straight(const std::string& train, const std::string& steps, std::int64_t step,
                                    const std::string& out, const due::test::ScratchDir& dir) {
  const auto resumed = run_command(train + steps + " --resume --out " + out);
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Contains("at step " + std::to_string(step)));
  const std::string straight = dir.file("straight.pt");
  REQUIRE(run_command(train + steps + " --out " + straight).exit_code == 0);
  CHECK(log_without_last_column(out + ".log.csv") == log_without_last_column(straight + ".log.csv"));
  return straight;
}

}  // namespace

TEST_CASE("due-train-classifier: SIGUSR1 mid-epoch writes the checkpoint, exits 75; --resume ends as a straight run",
          "[walltime]") {
  due::test::ScratchDir dir;
  const std::string data = due::test::small_phantom_dataset(dir);
  // Baseline (no annotations needed); every epoch a candidate, so the kept epoch does not depend on --epochs.
  const std::string train = tool_path("train-classifier") +
                            " --threads 1 --seed 3 --set classifier.width=2 --set classifier.batch_size=2"
                            " --set classifier.selection.min_epoch=1 --method baseline --data " + data;
  const std::string out = dir.file("stopped.pt");
  // Far more epochs than it will get through: stopped once the first epoch's row is in the log.
  const auto stopped = interrupt(dir, train + " --epochs 1000 --out " + out, out + ".log.csv", 2, "USR1");
  INFO(stopped.output);
  REQUIRE(stopped.exit_code == due::kExitInterrupted);
  CHECK_THAT(stopped.output, Contains("interrupted by SIGUSR1") && Contains("rerun with --resume"));
  CHECK_FALSE(std::filesystem::exists(out));
  REQUIRE(std::filesystem::exists(out + ".checkpoint"));
  const due::CheckpointReader checkpoint(out + ".checkpoint", due::kClassifierCheckpointKind);
  const std::int64_t epoch = checkpoint.get_int("epoch"), batches_done = checkpoint.get_int("batches_done");
  CHECK(epoch >= 1);
  CHECK(batches_done >= 0);
  UNSCOPED_INFO("stopped after epoch " << epoch << " and " << batches_done << " batches of the next");
  // No temporary file is left beside the outputs.
  for (const std::string& name : dir.entries()) CHECK(name.find(".tmp-") == std::string::npos);

  const std::string epochs = " --epochs " + std::to_string(epoch + 2);
  const auto resumed = run_command(train + epochs + " --resume --out " + out);
  INFO(resumed.output);
  REQUIRE(resumed.exit_code == 0);
  CHECK_THAT(resumed.output, Contains("resuming from"));
  const std::string straight = dir.file("straight.pt");
  REQUIRE(run_command(train + epochs + " --out " + straight).exit_code == 0);

  CHECK(line_count(out + ".log.csv") == static_cast<std::size_t>(epoch + 3));
  CHECK(log_without_last_column(out + ".log.csv") == log_without_last_column(straight + ".log.csv"));
  const due::ResNetConfig config{3, 2, 1, 2};
  check_equal_module(straight + ".checkpoint", out + ".checkpoint", due::kClassifierCheckpointKind, "model",
                     due::ResNet18(config), due::ResNet18(config));
  check_equal_module(straight, out, due::kClassifierKind, "model", due::ResNet18(config), due::ResNet18(config));
}

TEST_CASE("due-train-interpolator: SIGTERM between log rows, exit 75, --resume logs and ends as a straight run",
          "[walltime]") {
  due::test::ScratchDir dir;
  const std::string data = due::test::small_phantom_dataset(dir);
  // Rows every 4 steps, checkpoints only every 1000: the stop's checkpoint is the only one, at any step.
  const std::string train = tool_path("train-interpolator") +
                            " --threads 1 --set interpolator.model.width=8 --set interpolator.model.channel_mult=[1,2]"
                            " --set interpolator.model.res_blocks=1 --set interpolator.model.attention_levels=[1]"
                            " --set interpolator.schedule.steps=50 --set interpolator.train.batch_size=2"
                            " --set interpolator.train.log_every=4 --set interpolator.train.checkpoint_every=1000"
                            " --data " + data;
  const std::string out = dir.file("stopped.pt");
  const auto stopped = interrupt(dir, train + " --steps 100000 --out " + out, out + ".log.csv", 2, "TERM");
  INFO(stopped.output);
  REQUIRE(stopped.exit_code == due::kExitInterrupted);
  CHECK_THAT(stopped.output, Contains("interrupted by SIGTERM") && Contains("rerun with --resume"));
  CHECK_FALSE(std::filesystem::exists(out));
  const std::int64_t step =
      due::CheckpointReader(out + ".checkpoint", due::kInterpolatorCheckpointKind).get_int("step");
  CHECK(step >= 4);
  UNSCOPED_INFO("stopped at step " << step);

  const std::string straight = resume_and_run_straight(train, " --steps " + std::to_string(step + 6), step, out, dir);
  const torch::Device cpu(torch::kCPU);
  due::test::check_same_state(due::load_interpolator(straight, cpu).model, due::load_interpolator(out, cpu).model,
                              "interpolator");
}

TEST_CASE("due-train-np-vae: SIGUSR1 between log rows, exit 75, --resume logs and ends as a straight run",
          "[walltime]") {
  due::test::ScratchDir dir;
  const std::string data = due::test::small_phantom_dataset(dir);
  const std::string variance = dir.file("variance.h5");
  due::test::write_blend_variance(data, variance);
  const std::string train = tool_path("train-np-vae") + " --data " + data + " --variance " + variance +
                            " --threads 1 --set npvae.channels=4 --set npvae.latent_channels=2 --set npvae.levels=1"
                            " --set npvae.batch_size=4 --set npvae.log_every=4 --set npvae.checkpoint_every=1000";
  const std::string out = dir.file("stopped.pt");
  const auto stopped = interrupt(dir, train + " --set npvae.steps=1000000 --out " + out, out + ".log.csv", 2, "USR1");
  INFO(stopped.output);
  REQUIRE(stopped.exit_code == due::kExitInterrupted);
  CHECK_THAT(stopped.output, Contains("interrupted by SIGUSR1"));
  CHECK_FALSE(std::filesystem::exists(out));
  const std::int64_t step = due::CheckpointReader(out + ".checkpoint", "due-npvae-checkpoint").get_int("step");
  CHECK(step >= 4);
  UNSCOPED_INFO("stopped at step " << step);

  const std::string straight =
      resume_and_run_straight(train, " --set npvae.steps=" + std::to_string(step + 6), step, out, dir);
  due::test::check_same_state(due::load_np_vae(straight, torch::kCPU).model, due::load_np_vae(out, torch::kCPU).model,
                              "NP-VAE");
}

TEST_CASE("stop requests: the first signal sets the flag, a handler ignored before stays ignored", "[walltime]") {
  due::install_interrupt_cleanup();
  {
    const due::StopOnSignal guard;
    CHECK_FALSE(due::stop_requested());
    std::raise(SIGUSR1);  // a real signal, handled: the process goes on
    CHECK(due::stop_requested());
    CHECK(due::stop_signal() == SIGUSR1);
  }
  {
    const due::StopOnSignal guard;  // a new run starts without a request
    CHECK_FALSE(due::stop_requested());
  }
  // Ignored before: neither the cleanup nor the stop request takes SIGTERM over.
  struct sigaction ignore {}, previous {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  REQUIRE(::sigaction(SIGTERM, &ignore, &previous) == 0);
  due::install_interrupt_cleanup();
  {
    const due::StopOnSignal guard;
    std::raise(SIGTERM);
    CHECK_FALSE(due::stop_requested());
    struct sigaction now {};
    ::sigaction(SIGTERM, nullptr, &now);
    CHECK(now.sa_handler == SIG_IGN);
  }
  ::sigaction(SIGTERM, &previous, nullptr);
}
