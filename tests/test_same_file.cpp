// An --out that is one of the tool's inputs (issue 29, item 1): every tool refuses it before any work, with exit 2
// and one line naming both flags, whether the same file is spelled alike, reached through a symlink or a hard link;
// the input keeps its bytes. Every other input of each run is valid, so without the guard the run would succeed
// and replace the input.
#include <catch2/catch.hpp>

#include <filesystem>

#include "cli/same_file_guard.h"
#include "support.h"
#include "util/errors.h"

using Catch::Matchers::Contains;
using due::test::read_text;
using due::test::run_command;
using due::test::tool_path;

namespace {

std::size_t line_count(const std::string& text) {
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  return lines;
}

// Tiny settings for every stage in one config file, itself an input (--config) of every run below.
const char* const kTinyConfig =
    "threads: 1\n"
    "preprocess: {block_size: [8, 16, 16], phantom: {patients: 10}}\n"
    "interpolator:\n"
    "  model: {width: 8, channel_mult: [1, 2], res_blocks: 1, attention_levels: [1]}\n"
    "  schedule: {steps: 50}\n"
    "  train: {steps: 1, batch_size: 4, log_every: 1, checkpoint_every: 1}\n"
    "variance: {samples: 2, steps: 2}\n"
    "npvae: {channels: 4, latent_channels: 2, levels: 1, batch_size: 4, steps: 1, log_every: 1, checkpoint_every: 1}\n"
    "classifier: {width: 2, batch_size: 4, epochs: 1,\n"
    "             feedback: {baseline_epochs: 1, feedback_epochs: 1, after_epochs: 1}}\n";

// One valid file of every kind a tool reads, made once for this file by the tools themselves (each a second or
// so); the cases copy the one they offer as output, so these stay intact whatever a case does.
struct Inputs {
  due::test::ScratchDir dir;
  std::string config = dir.file("tiny.yaml");
  std::string dataset = dir.file("dataset.h5");
  std::string part1 = dir.file("part1.h5"), part2 = dir.file("part2.h5");
  std::string interpolator = dir.file("interpolator.pt");
  std::string variance = dir.file("variance.h5");
  std::string npvae = dir.file("npvae.pt");
  std::string annotations = dir.file("annotations.h5");
  std::string classifier = dir.file("classifier.pt");
  std::string feedback = dir.file("feedback.yaml");
  std::string explanations = dir.file("explanations.h5");
  std::string metrics1 = dir.file("metrics1.json"), metrics2 = dir.file("metrics2.json");

  Inputs() {
    due::test::write_text(config, kTinyConfig);
    make("preprocess", " --out " + dataset);
    make("preprocess", " --shard 1/2 --out " + part1);
    make("preprocess", " --shard 2/2 --out " + part2);
    make("train-interpolator", " --data " + dataset + " --out " + interpolator);
    due::test::write_blend_variance(dataset, variance);
    make("train-np-vae", " --data " + dataset + " --variance " + variance + " --out " + npvae);
    make("impute-annotations", " --data " + dataset + " --interpolator linear --uncertainty none --out " + annotations);
    make("train-classifier", " --data " + dataset + " --method baseline --out " + classifier);
    make("explain", " --data " + dataset + " --model " + classifier + " --query entropy --top 2 --out " + feedback);
    make("explain", " --data " + dataset + " --model " + classifier + " --out " + explanations);
    make("evaluate", " --data " + dataset + " --explanations " + explanations + " --out " + metrics1);
    make("evaluate", " --data " + dataset + " --explanations " + explanations + " --tag seed=2 --out " + metrics2);
  }

  void make(const std::string& stage, const std::string& arguments) const {
    const auto made = run_command(tool_path(stage) + " --config " + config + arguments);
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
  }
};

const Inputs& shared_inputs() {
  static const Inputs inputs;
  return inputs;
}

// One input flag of one tool: `rest` completes a valid run (the victim's value comes after the flag, so a
// repeatable flag takes `rest`'s leading values too).
struct InputCase {
  std::string stage;
  std::string flag;
  std::string victim;  // the valid file the flag names, copied for the case
  std::string rest;
};

std::vector<InputCase> input_cases(const Inputs& in) {
  const std::string data = " --data " + in.dataset;
  const std::string diffusion = " --interpolator diffusion --uncertainty diffusion";
  return {
      {"preprocess", "--config", in.config, ""},
      {"preprocess", "--merge", in.part1, " " + in.part2},
      {"train-interpolator", "--config", in.config, data},
      {"train-interpolator", "--data", in.dataset, ""},
      {"sample-variance", "--config", in.config, data + " --model " + in.interpolator},
      {"sample-variance", "--data", in.dataset, " --model " + in.interpolator},
      {"sample-variance", "--model", in.interpolator, data},
      {"train-np-vae", "--config", in.config, data + " --variance " + in.variance},
      {"train-np-vae", "--data", in.dataset, " --variance " + in.variance},
      {"train-np-vae", "--variance", in.variance, data},
      {"impute-annotations", "--config", in.config, data + " --interpolator linear --uncertainty none"},
      {"impute-annotations", "--data", in.dataset, " --interpolator linear --uncertainty none"},
      {"impute-annotations", "--variance", in.variance, data + diffusion},
      {"impute-annotations", "--model", in.interpolator, data + diffusion},
      {"impute-annotations", "--npvae", in.npvae,
       data + " --variance " + in.variance + " --interpolator diffusion --uncertainty npvae"},
      {"train-classifier", "--config", in.config, data + " --method baseline"},
      {"train-classifier", "--data", in.dataset, " --method baseline"},
      {"train-classifier", "--annotations", in.annotations, data + " --method due"},
      {"train-classifier", "--feedback", in.feedback, data + " --method baseline"},
      {"explain", "--config", in.config, data + " --model " + in.classifier},
      {"explain", "--data", in.dataset, " --model " + in.classifier},
      {"explain", "--model", in.classifier, data},
      {"evaluate", "--config", in.config, data + " --explanations " + in.explanations},
      {"evaluate", "--data", in.dataset, " --explanations " + in.explanations},
      {"evaluate", "--explanations", in.explanations, data},
      {"evaluate", "--metrics", in.metrics1, " " + in.metrics2 + " --report"},
  };
}

std::string command(const Inputs& in, const InputCase& c, const std::string& input, const std::string& out) {
  const std::string config = c.flag == "--config" ? "" : " --config " + in.config;
  return tool_path(c.stage) + config + " " + c.flag + " " + input + c.rest + " --out " + out;
}

// Runs the case's tool with `input` as the flag's value and `out` as --out, and checks the refusal: exit 2, one
// line "--out OUT <written> the same file as FLAG (INPUT)", the input's bytes unchanged.
void check_refused(const Inputs& in, const InputCase& c, const std::string& input, const std::string& out,
                   const std::string& written = "is") {
  const std::string bytes = read_text(input);
  const auto result = run_command(command(in, c, input, out));
  INFO(result.output);
  CHECK(result.exit_code == 2);
  CHECK(line_count(result.output) == 1);
  CHECK_THAT(result.output, Contains("due-" + c.stage + ": error: --out " + out + " " + written + " the same file as " +
                                     c.flag + " (" + input + "); choose another output"));
  CHECK(read_text(input) == bytes);
}

}  // namespace

TEST_CASE("same file: one file through its name, a symlink and a hard link is one file; others are not",
          "[same-file]") {
  due::test::ScratchDir dir;
  const std::string file = dir.file("x.h5"), other = dir.file("y.h5");
  due::test::write_text(file, "x");
  due::test::write_text(other, "x");
  std::filesystem::create_symlink(file, dir.file("link.h5"));
  std::filesystem::create_hard_link(file, dir.file("hard.h5"));
  CHECK(due::same_existing_file(file, file));
  CHECK(due::same_existing_file(file, dir.path() + "/../" + std::filesystem::path(dir.path()).filename().string() +
                                          "/./x.h5"));  // spelled otherwise
  CHECK(due::same_existing_file(dir.file("link.h5"), file));
  CHECK(due::same_existing_file(file, dir.file("hard.h5")));
  CHECK_FALSE(due::same_existing_file(file, other));  // equal bytes, another file
  CHECK_FALSE(due::same_existing_file(dir.file("new.h5"), file));
  CHECK_FALSE(due::same_existing_file(dir.file("new.h5"), dir.file("new.h5")));  // not written yet: no input

  const std::vector<due::FileArgument> inputs{{"--data", dir.file("link.h5")}};
  CHECK_NOTHROW(due::refuse_outputs_over_inputs({{{"--out", other}, other}}, inputs));
  CHECK_THROWS_AS(due::refuse_outputs_over_inputs({{{"--out", file}, file}}, inputs), due::UsageError);
  CHECK_THROWS_WITH(due::refuse_outputs_over_inputs({{{"--out", dir.file("hard")}, dir.file("hard.h5")}}, inputs),
                    Contains("--out " + dir.file("hard") + " writes " + dir.file("hard.h5") +
                             ", which is the same file as --data (" + dir.file("link.h5") + ")"));
}

TEST_CASE("same file: every tool refuses an --out that is one of its inputs, by name, symlink or hard link",
          "[same-file]") {
  const Inputs& in = shared_inputs();
  for (const InputCase& c : input_cases(in)) {
    INFO("due-" << c.stage << " " << c.flag);
    due::test::ScratchDir dir;
    const std::string input = dir.file("input");
    std::filesystem::copy_file(c.victim, input);
    check_refused(in, c, input, input);
    // Through a symlink: the input read through it is the file the output would replace.
    std::filesystem::create_symlink(input, dir.file("link"));
    check_refused(in, c, dir.file("link"), input);
    // Through a hard link: two names, one inode.
    std::filesystem::create_hard_link(input, dir.file("hard"));
    check_refused(in, c, input, dir.file("hard"));
    CHECK(dir.entries() == std::vector<std::string>{"hard", "input", "link"});  // no output, no temporary file
  }
}

TEST_CASE("same file: a trainer's checkpoint and log beside --out may not be an input either", "[same-file]") {
  const Inputs& in = shared_inputs();
  const std::vector<InputCase> trainers{
      {"train-interpolator", "--data", in.dataset, ""},
      {"train-np-vae", "--data", in.dataset, " --variance " + in.variance},
      {"train-classifier", "--data", in.dataset, " --method baseline"},
  };
  for (const InputCase& c : trainers) {
    for (const std::string suffix : {".checkpoint", ".log.csv"}) {
      INFO("due-" << c.stage << " " << suffix);
      due::test::ScratchDir dir;
      const std::string out = dir.file("model.pt"), input = out + suffix;
      std::filesystem::copy_file(c.victim, input);
      check_refused(in, c, input, out, "writes " + input + ", which is");
      CHECK(dir.entries() == std::vector<std::string>{"model.pt" + suffix});
    }
  }
}

TEST_CASE("same file: a new --out and an existing other --out are written as before", "[same-file]") {
  const Inputs& in = shared_inputs();
  due::test::ScratchDir dir;
  const std::string data_bytes = read_text(in.dataset), model_bytes = read_text(in.classifier);
  const std::string run = tool_path("explain") + " --config " + in.config + " --data " + in.dataset + " --model " +
                          in.classifier + " --out ";
  const auto fresh = run_command(run + dir.file("new.h5"));
  INFO(fresh.output);
  CHECK(fresh.exit_code == 0);
  CHECK(std::filesystem::exists(dir.file("new.h5")));
  due::test::write_text(dir.file("old.h5"), "an earlier output");
  const auto replaced = run_command(run + dir.file("old.h5"));
  INFO(replaced.output);
  CHECK(replaced.exit_code == 0);
  CHECK(read_text(dir.file("old.h5")) != "an earlier output");
  CHECK(read_text(in.dataset) == data_bytes);
  CHECK(read_text(in.classifier) == model_bytes);
}
