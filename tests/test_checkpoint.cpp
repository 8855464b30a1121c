#include <catch2/catch.hpp>

#include <torch/torch.h>

#include <filesystem>

#include "cli/config.h"
#include "cli/config_schema.h"
#include "nn/checkpoint.h"
#include "nn/run_fingerprint.h"
#include "nn/tensors.h"
#include "nn/training_log.h"
#include "support.h"
#include "util/errors.h"

using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using Catch::Matchers::StartsWith;

TEST_CASE("checkpoint: modules, optimizer state and metadata round-trip", "[nn]") {
  due::test::ScratchDir dir;
  torch::manual_seed(3);
  torch::nn::Linear saved(4, 3);
  torch::optim::Adam adam(saved->parameters(), torch::optim::AdamOptions(1e-2));
  const auto loss = saved(torch::ones({2, 4})).pow(2).sum();
  loss.backward();
  adam.step();

  due::CheckpointWriter writer("due-test-model");
  writer.add_module("model", *saved);
  writer.add_optimizer("optimizer", adam);
  writer.add_tensor("scale", torch::tensor({1.5f, 2.5f}));
  writer.set("step", std::int64_t{17});
  writer.set("lr", 0.25);
  writer.set("architecture", std::string("width: 4"));
  due::Provenance provenance = due::make_provenance("due-test");
  provenance.seed = 9;
  provenance.threads = 2;
  writer.set_provenance(provenance);
  writer.save(dir.file("model.pt"));
  CHECK(dir.entries() == std::vector<std::string>{"model.pt"});

  due::CheckpointReader reader(dir.file("model.pt"), "due-test-model");
  torch::nn::Linear loaded(4, 3);
  reader.load_module("model", *loaded);
  CHECK(torch::equal(loaded->weight, saved->weight));
  CHECK(torch::equal(loaded->bias, saved->bias));
  torch::optim::Adam adam2(loaded->parameters(), torch::optim::AdamOptions(1e-2));
  reader.load_optimizer("optimizer", adam2);
  // The same next step from the same state gives the same parameters.
  for (auto* pair : {&saved, &loaded}) {
    (*pair)->zero_grad();
    (*pair)(torch::ones({2, 4})).pow(2).sum().backward();
  }
  adam.step();
  adam2.step();
  CHECK(torch::allclose(loaded->weight, saved->weight));
  CHECK(torch::equal(reader.tensor("scale"), torch::tensor({1.5f, 2.5f})));
  CHECK(reader.get_int("step") == 17);
  CHECK(reader.get_float("lr") == 0.25);
  CHECK(reader.get_string("architecture") == "width: 4");
  CHECK(reader.provenance().seed == 9);
  CHECK(reader.provenance().threads == 2);
  CHECK(reader.provenance().tool == "due-test");
  CHECK_FALSE(reader.has("missing"));
  CHECK_THROWS_AS(reader.get_int("missing"), due::InputError);

  CHECK_THROWS_WITH(due::CheckpointReader(dir.file("model.pt"), "due-classifier"), Contains("expected a due-classifier"));
  torch::nn::Linear wrong(5, 3);
  CHECK_THROWS_WITH(reader.load_module("model", *wrong), Contains("does not fit"));
  due::test::write_text(dir.file("junk.pt"), "not an archive");
  CHECK_THROWS_WITH(due::CheckpointReader(dir.file("junk.pt"), "due-test-model"), Contains("junk.pt"));
  CHECK_THROWS_WITH(due::CheckpointReader(dir.file("none.pt"), "due-test-model"), Contains("no such file"));
}

TEST_CASE("training log: resume keeps the rows up to the checkpoint's step", "[nn]") {
  due::test::ScratchDir dir;
  const std::string path = dir.file("log.csv");
  {
    due::TrainingLog log(path, {"step", "loss"});
    for (int step = 1; step <= 5; ++step) log.row({double(step), 1.0 / step});
  }
  {
    due::TrainingLog log(path, {"step", "loss"}, 3);
    log.row({4, 0.5});
  }
  CHECK(due::test::read_text(path) == "step,loss\n1,1\n2,0.5\n3,0.33333333\n4,0.5\n");
  due::TrainingLog fresh(path, {"step", "loss"});
  CHECK(due::test::read_text(path) == "step,loss\n");
}

TEST_CASE("tensors: volumes to tensors and back", "[nn]") {
  const due::VolumeShape shape{2, 3, 4};
  std::vector<float> values(shape.voxels());
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.5f;
  const torch::Tensor t = due::volume_tensor(values, shape);
  CHECK(t.sizes() == torch::IntArrayRef({2, 3, 4}));
  CHECK(t[1][2][3].item<float>() == Approx(23 * 0.5));
  CHECK(due::tensor_values(t) == values);
  std::vector<std::uint8_t> mask(shape.voxels(), 0);
  mask[5] = 1;
  CHECK(due::volume_tensor(mask, shape).sum().item<float>() == 1.f);
  CHECK(due::volume_tensor(mask, shape)[0][1][1].item<float>() == 1.f);
}

TEST_CASE("checkpoint: provenance carries the SLURM fields, and older checkpoints without them still load", "[nn]") {
  due::test::ScratchDir dir;
  torch::nn::Linear model(2, 1);
  due::Provenance provenance = due::make_provenance("due-test");
  provenance.slurm_job_id = "123";
  provenance.slurm_step_id = "4";
  due::CheckpointWriter writer("due-test-model");
  writer.add_module("model", *model);
  writer.set_provenance(provenance);
  writer.save(dir.file("new.pt"));
  const due::Provenance back = due::CheckpointReader(dir.file("new.pt"), "due-test-model").provenance();
  CHECK(back.slurm_job_id == "123");
  CHECK(back.slurm_step_id == "4");

  // An older writer stored only the fields before these two.
  due::CheckpointWriter old("due-test-model");
  old.add_module("model", *model);
  old.set("provenance.tool", std::string("due-test"));
  old.set("provenance.seed", std::int64_t{5});
  old.save(dir.file("old.pt"));
  const due::Provenance old_back = due::CheckpointReader(dir.file("old.pt"), "due-test-model").provenance();
  CHECK(old_back.tool == "due-test");
  CHECK(old_back.seed == 5);
  CHECK(old_back.slurm_job_id.empty());
  CHECK(old_back.slurm_step_id.empty());
}

TEST_CASE("run fingerprint: settings by value, excluded keys, inputs by size and time, stored in a checkpoint",
          "[nn]") {
  due::test::ScratchDir dir;
  due::test::write_text(dir.file("data.h5"), "some bytes");
  auto fingerprint = [&](const std::string& assignment, int threads) {
    due::Config config(due::toolkit_config_schema());
    if (!assignment.empty()) config.apply_assignment(assignment);
    due::RunFingerprint f;
    f.add_runtime(3, threads, "cpu");
    f.add_config(config, "npvae", {"npvae.steps"});
    f.add_file("--data", dir.file("data.h5"));
    return f;
  };
  const due::RunFingerprint saved = fingerprint("", 1);
  CHECK_THAT(saved.to_text(), Contains("npvae.learning_rate=0.001\n") && Contains("threads=1\n") &&
                                  Contains("--data=file of 10 bytes modified "));
  CHECK(fingerprint("", 1).differences_from(saved).empty());
  // A number written another way is the same setting; the run's length is not part of it.
  CHECK(fingerprint("npvae.learning_rate=1.0e-3", 1).differences_from(saved).empty());
  CHECK(fingerprint("npvae.steps=9", 1).differences_from(saved).empty());
  CHECK(fingerprint("npvae.learning_rate=0.002", 1).differences_from(saved) ==
        "npvae.learning_rate: 0.001 when the checkpoint was written, 0.002 now");
  CHECK(fingerprint("", 2).differences_from(saved) == "threads: 1 when the checkpoint was written, 2 now");
  // The same bytes written again are another file: the modification time differs.
  std::filesystem::last_write_time(dir.file("data.h5"), std::filesystem::last_write_time(dir.file("data.h5")) +
                                                           std::chrono::seconds(1));
  CHECK_THAT(fingerprint("", 1).differences_from(saved),
             Contains("--data " + dir.file("data.h5") + ": file of 10 bytes modified ") && Contains(" now"));
  // Every difference, settings first.
  CHECK_THAT(fingerprint("npvae.kl_weight=0.5", 2).differences_from(saved),
             StartsWith("npvae.kl_weight: 0.01 when the checkpoint was written, 0.5 now; threads: 1 when the "
                        "checkpoint was written, 2 now; --data " + dir.file("data.h5") + ": file of 10 bytes"));
  CHECK(due::RunFingerprint::from_text(saved.to_text()).to_text() == saved.to_text());
  CHECK_THROWS_WITH(fingerprint("", 1).add_file("--variance", dir.file("none.h5")), Contains("none.h5"));

  // In a checkpoint: checked on resume, and a checkpoint without one is refused.
  torch::nn::Linear model(2, 1);
  due::CheckpointWriter writer("due-test-model");
  writer.add_module("model", *model);
  due::store_run_fingerprint(writer, saved);
  writer.save(dir.file("c.pt"));
  const due::CheckpointReader reader(dir.file("c.pt"), "due-test-model");
  CHECK_NOTHROW(due::check_run_fingerprint(reader, due::RunFingerprint::from_text(saved.to_text())));
  CHECK_THROWS_WITH(due::check_run_fingerprint(reader, fingerprint("npvae.kl_weight=0.5", 1)),
                    Contains("c.pt: was written by another run (npvae.kl_weight: 0.01 when the checkpoint was "
                             "written, 0.5 now; --data ") &&
                        EndsWith(" now); delete it or run without --resume"));
  due::CheckpointWriter older("due-test-model");
  older.add_module("model", *model);
  older.save(dir.file("old.pt"));
  CHECK_THROWS_WITH(due::check_run_fingerprint(due::CheckpointReader(dir.file("old.pt"), "due-test-model"), saved),
                    Contains("old.pt: records no run fingerprint"));
}
