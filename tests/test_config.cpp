#include <catch2/catch.hpp>

#include "cli/config.h"
#include "cli/config_schema.h"
#include "data/phantom.h"
#include "diffusion/interpolator_trainer.h"
#include "support.h"
#include "util/errors.h"

using due::Config;
using due::InputError;
using Catch::Matchers::Contains;

namespace {
Config toolkit_config() { return Config(due::toolkit_config_schema()); }
}  // namespace

TEST_CASE("config: defaults come from the schema", "[config]") {
  const Config c = toolkit_config();
  CHECK(c.get_int("seed") == 1);
  CHECK(c.get_string("device") == "auto");
  CHECK(c.get_ints("preprocess.block_size", 3) == std::vector<std::int64_t>{32, 64, 64});
  CHECK(c.get_floats("preprocess.hu_window", 2) == std::vector<double>{-1000.0, 400.0});
  CHECK(c.get_bool("preprocess.split.balance_train"));
  CHECK(c.node("preprocess.phantom.raters").size() == 4);
  CHECK(c.origin("preprocess.phantom.patients") == "default");
}

TEST_CASE("config: a file overrides only the keys it names", "[config]") {
  due::test::ScratchDir dir;
  const std::string path = dir.file("exp.yaml");
  due::test::write_text(path, "seed: 7\npreprocess:\n  phantom:\n    patients: 5\n    spacing_mm: [2, 1.0, 1.0]\n");
  Config c = toolkit_config();
  c.merge_file(path);
  CHECK(c.get_int("seed") == 7);
  CHECK(c.get_int("preprocess.phantom.patients") == 5);
  CHECK(c.get_floats("preprocess.phantom.spacing_mm", 3) == std::vector<double>{2.0, 1.0, 1.0});
  CHECK(c.get_float("preprocess.phantom.positive_fraction") == 0.5);  // untouched sibling keeps its default
  CHECK(c.origin("preprocess.phantom.patients") == path);
  CHECK(c.origin("preprocess.phantom.noise_hu") == "default");
}

TEST_CASE("config: --set overrides scalars, lists and list records", "[config]") {
  Config c = toolkit_config();
  c.apply_assignment("preprocess.phantom.patients=12");
  c.apply_assignment("preprocess.block_size=[8, 16, 16]");
  c.apply_assignment("preprocess.phantom.raters.1.noise_mm=0.5");
  c.apply_assignment("preprocess.consensus_level=1");  // an integer is a valid number
  CHECK(c.get_int("preprocess.phantom.patients") == 12);
  CHECK(c.get_ints("preprocess.block_size", 3) == std::vector<std::int64_t>{8, 16, 16});
  CHECK(c.node("preprocess.phantom.raters")[1]["noise_mm"].as<double>() == 0.5);
  CHECK(c.node("preprocess.phantom.raters")[1]["name"].as<std::string>() == "generous");
  CHECK(c.node("preprocess.phantom.raters")[0]["noise_mm"].as<double>() == 0.2);
  CHECK(c.get_float("preprocess.consensus_level") == 1.0);
  CHECK(c.origin("preprocess.phantom.patients") == "--set");
}

TEST_CASE("config: an unknown key names the key, the file and a close match", "[config]") {
  due::test::ScratchDir dir;
  const std::string path = dir.file("typo.yaml");
  due::test::write_text(path, "preprocess:\n  phantm:\n    patients: 3\n");
  Config c = toolkit_config();
  try {
    c.merge_file(path);
    FAIL("unknown key accepted");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Contains(path) && Contains("unknown key 'preprocess.phantm'") &&
                             Contains("did you mean 'preprocess.phantom'"));
  }
  CHECK_THROWS_WITH(c.apply_assignment("preprocess.nope=1"),
                    Contains("--set") && Contains("unknown key 'preprocess.nope'"));
  CHECK_THROWS_WITH(c.apply_assignment("preprocess.phantom.raters.0.colour=red"),
                    Contains("unknown key 'preprocess.phantom.raters.0.colour'"));
}

TEST_CASE("config: a value of the wrong type names the key, the file and the expected type", "[config]") {
  due::test::ScratchDir dir;
  const auto rejects = [&](const std::string& yaml, const std::string& key, const std::string& expected) {
    const std::string path = dir.file("bad.yaml");
    due::test::write_text(path, yaml);
    Config c = toolkit_config();
    try {
      c.merge_file(path);
      FAIL("accepted: " << yaml);
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Contains(path) && Contains("'" + key + "'") && Contains(expected));
    }
  };
  rejects("seed: abc\n", "seed", "expects an integer");
  rejects("seed: 1.5\n", "seed", "expects an integer");
  rejects("preprocess:\n  block_size: 32\n", "preprocess.block_size", "expects a list");
  rejects("preprocess:\n  block_size: [32, x, 64]\n", "preprocess.block_size.1", "expects an integer");
  rejects("preprocess:\n  split:\n    balance_train: maybe\n", "preprocess.split.balance_train", "true or false");
  rejects("preprocess:\n  consensus_level: half\n", "preprocess.consensus_level", "expects a number");
  rejects("preprocess: 3\n", "preprocess", "expects a map");
  rejects("preprocess:\n  phantom:\n    raters:\n      - {name: a, offset_mm: wide}\n",
          "preprocess.phantom.raters.0.offset_mm", "expects a number");
}

TEST_CASE("config: malformed YAML and missing files are reported with their path", "[config]") {
  due::test::ScratchDir dir;
  const std::string path = dir.file("broken.yaml");
  due::test::write_text(path, "seed: [1, 2\n");
  Config c = toolkit_config();
  CHECK_THROWS_WITH(c.merge_file(path), Contains(path) && Contains("not valid YAML"));
  CHECK_THROWS_WITH(c.merge_file(dir.file("absent.yaml")), Contains("absent.yaml") && Contains("cannot open"));
  CHECK_THROWS_AS(c.apply_assignment("no-equals-sign"), due::UsageError);
}

TEST_CASE("config: the printed config reads back to the same values", "[config]") {
  Config c = toolkit_config();
  c.apply_assignment("preprocess.phantom.patients=9");
  c.apply_assignment("preprocess.annotation.rule=every-k");
  Config again = toolkit_config();
  again.merge_yaml(c.to_yaml(), "printed");
  CHECK(again.to_yaml() == c.to_yaml());
  CHECK(again.get_int("preprocess.phantom.patients") == 9);
  CHECK(again.get_string("preprocess.annotation.rule") == "every-k");
}

TEST_CASE("config: consumers' range checks name the key and its origin", "[config]") {
  // Real consumers' checks (the phantom generator's, the interpolator trainer's), with each key set from a
  // different origin: the message must name the key and where its value came from.
  due::test::ScratchDir dir;
  const std::string path = dir.file("exp.yaml");
  due::test::write_text(path, "interpolator:\n  train:\n    ema_decay: 1.5\n");
  Config c = toolkit_config();
  c.merge_file(path);
  c.apply_assignment("preprocess.phantom.patients=0");
  CHECK_THROWS_WITH(due::phantom_config_from(c),
                    Contains("--set") && Contains("preprocess.phantom.patients") && Contains("at least 1"));
  CHECK_THROWS_WITH(due::interpolator_training_config_from(c),
                    Contains(path) && Contains("interpolator.train.ema_decay") && Contains("[0, 1)"));
  CHECK_THROWS_WITH(c.get_ints("preprocess.block_size", 2), Contains("expects 2 integers, got 3"));
}
