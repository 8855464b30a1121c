// due-preprocess --shard K/N and --merge end to end: the merged file equals the single-process one sample for
// sample and attribute for attribute (apart from the command line, the time and /merged_from), partial files are
// refused by the stages that train, and the merge refuses missing, repeated and foreign parts.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "data/shards.h"
#include "io/dataset_store.h"
#include "support.h"
#include "util/errors.h"

using Catch::Matchers::Contains;
using due::test::run_command;
using due::test::tool_path;
namespace fs = std::filesystem;

namespace {

// Every column of every sample, and the attributes the merge must carry over unchanged.
void require_same_dataset(const std::string& single_path, const std::string& merged_path) {
  const due::DatasetReader single(single_path), merged(merged_path);
  REQUIRE(merged.size() == single.size());
  REQUIRE(merged.layout().shape == single.layout().shape);
  REQUIRE(merged.layout().raters == single.layout().raters);
  for (std::size_t i = 0; i < single.size(); ++i) {
    const due::DatasetSample a = single.read(i), b = merged.read(i);
    INFO("sample " << i << " " << a.id);
    CHECK(b.id == a.id);
    CHECK(b.patient == a.patient);
    CHECK(b.label == a.label);
    CHECK(b.split == a.split);
    CHECK(b.image == a.image);
    CHECK(b.mask == a.mask);
    CHECK(b.raters == a.raters);
    CHECK(b.rater_present == a.rater_present);
    CHECK(b.annotated_slices == a.annotated_slices);
    CHECK(b.spacing == a.spacing);
  }
  const due::Provenance p = single.provenance(), q = merged.provenance();
  CHECK(q.tool == p.tool);
  CHECK(q.version == p.version);
  CHECK(q.git_hash == p.git_hash);
  CHECK(q.seed == p.seed);
  CHECK(q.config_yaml == p.config_yaml);
  CHECK(merged.source_description() == single.source_description());
  CHECK(q.command_line != p.command_line);
  CHECK(!merged.file().has_attribute(due::kShardAttribute));
  CHECK(merged.file().has_attribute("merged_from"));
  // h5diff compares every dataset's values and the attributes both files have: the only differences it may find
  // are the command line and the time of the merge (exit status 1 is "differences found").
  const auto diff = run_command("h5diff " + single_path + " " + merged_path);
  INFO(diff.output);
  CHECK(diff.exit_code == 1);
  std::istringstream lines(diff.output);
  std::set<std::string> differing;
  std::size_t other_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("attribute: <", 0) == 0) {
      differing.insert(line.substr(12, line.find(' ', 12) - 12));
    } else if (line.find("differences found") == std::string::npos) {
      ++other_lines;
    }
  }
  // created is to the second, so a quick merge may share it with the single run.
  CHECK(differing.count("command_line") == 1);
  differing.erase("created");
  // Provenance records the thread count of the command that wrote the file (the merge's own); preprocessing does
  // not depend on it, as the values above show.
  differing.erase("threads");
  CHECK(differing == std::set<std::string>{"command_line"});
  CHECK(other_lines == 0);
}

// The patients of a file in order of first appearance.
std::vector<std::string> patients_in_order(const due::DatasetReader& reader) {
  std::vector<std::string> order;
  for (const std::string& p : reader.patients())
    if (order.empty() || order.back() != p) order.push_back(p);
  return order;
}

}  // namespace

TEST_CASE("shard K/N: parse and the patients each shard takes", "[preprocess][shards]") {
  CHECK(due::parse_shard("2/5").index == 2);
  CHECK(due::parse_shard("2/5").count == 5);
  CHECK(!due::parse_shard("").active());
  for (const char* bad : {"0/3", "4/3", "3", "/3", "1/", "a/2", "-1/2", "1/2/3"})
    CHECK_THROWS_AS(due::parse_shard(bad), due::UsageError);

  // 5 patients a..e with 2, 1, 3, 1, 1 items; N = 2 cuts at floor(5/2) = 2 patients.
  const std::vector<std::string> items{"a", "a", "b", "c", "c", "c", "d", "e"};
  const due::ShardRange first = due::shard_range(items, due::parse_shard("1/2"), "test");
  CHECK(first.patients == 5);
  CHECK(first.first_item == 0);
  CHECK(first.end_item == 3);
  const due::ShardRange second = due::shard_range(items, due::parse_shard("2/2"), "test");
  CHECK(second.first_patient == 2);
  CHECK(second.end_patient == 5);
  CHECK(second.first_item == 3);
  CHECK(second.end_item == 8);
  // More shards than patients: some are empty, at the right place, and together they still cover everything.
  std::size_t covered = 0, next = 0;
  for (std::size_t k = 1; k <= 7; ++k) {
    const due::ShardRange r = due::shard_range(items, due::ShardSpec{k, 7}, "test");
    CHECK(r.first_item == next);
    covered += r.end_item - r.first_item;
    next = r.end_item;
  }
  CHECK(covered == items.size());
  CHECK_THROWS_WITH(due::shard_range({"a", "b", "a"}, due::parse_shard("1/2"), "labels.csv"),
                    Contains("labels.csv") && Contains("'a'"));
}

TEST_CASE("preprocess shards: phantoms of the workflow test's size, 3 shards merged equal the single run",
          "[preprocess][shards]") {
  due::test::ScratchDir dir;
  const std::string config = std::string(DUE_SOURCE_DIR) + "/tests/workflow/tiny.yaml";
  const std::string base = tool_path("preprocess") + " --config " + config + " --threads 1";
  const auto single = run_command(base + " --out " + dir.file("single.h5"));
  REQUIRE(single.exit_code == 0);
  std::vector<std::string> parts;
  for (int k = 1; k <= 3; ++k) {
    parts.push_back(dir.file("part-" + std::to_string(k) + ".h5"));
    const auto made = run_command(base + " --shard " + std::to_string(k) + "/3 --out " + parts.back());
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
  }
  // Out of order on purpose: the merge orders the parts by K.
  const auto merged = run_command(tool_path("preprocess") + " --merge " + parts[2] + " " + parts[0] + " " + parts[1] +
                                  " --out " + dir.file("merged.h5"));
  INFO(merged.output);
  REQUIRE(merged.exit_code == 0);
  require_same_dataset(dir.file("single.h5"), dir.file("merged.h5"));

  // tiny.yaml has 12 patients: each shard holds 4 whole ones, in the single run's order, and no split yet.
  const due::DatasetReader whole(dir.file("single.h5"));
  const std::vector<std::string> order = patients_in_order(whole);
  REQUIRE(order.size() == 12);
  std::size_t rows = 0;
  for (int k = 0; k < 3; ++k) {
    const due::DatasetReader part(parts[k], due::PartialShards::Allow);
    CHECK(part.file().string_attribute(due::kShardAttribute) == std::to_string(k + 1) + "/3");
    CHECK(part.file().int_attribute(due::kShardPatientsAttribute) == 12);
    const std::vector<std::string> held = patients_in_order(part);
    CHECK(held == std::vector<std::string>(order.begin() + 4 * k, order.begin() + 4 * k + 4));
    for (std::uint8_t s : part.splits()) CHECK(s == due::kUnused);
    rows += part.size();
  }
  CHECK(rows == whole.size());
  CHECK_THAT(due::DatasetReader(dir.file("merged.h5")).file().string_attribute("merged_from"),
             Contains("1/3 " + parts[0]) && Contains("3/3 " + parts[2]));

  // Training stages refuse a part; so does any reader that does not ask for partial files.
  const auto train = run_command(tool_path("train-classifier") + " --threads 1 --data " + parts[0] + " --method baseline --out " +
                                 dir.file("c.pt"));
  CHECK(train.exit_code == 2);
  CHECK_THAT(train.output, Contains(parts[0]) && Contains("is a partial shard"));
  CHECK_THROWS_WITH(due::DatasetReader(parts[1]), Contains("merge it first"));

  const auto merge = [&](const std::string& inputs, const std::string& out) {
    return run_command(tool_path("preprocess") + " --merge " + inputs + " --out " + dir.file(out));
  };
  {  // a missing shard
    const auto r = merge(parts[0] + " " + parts[1], "bad.h5");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains("shard 3/3 is missing") && Contains(dir.file("bad.h5")));
  }
  {  // a shard given twice
    const auto r = merge(parts[0] + " " + parts[1] + " " + parts[1] + " " + parts[2], "bad.h5");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains(parts[1] + ": is shard 2/3 again"));
  }
  {  // a shard of another seed
    REQUIRE(run_command(base + " --seed 2 --shard 2/3 --out " + dir.file("seed2.h5")).exit_code == 0);
    const auto r = merge(parts[0] + " " + dir.file("seed2.h5") + " " + parts[2], "bad.h5");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains(dir.file("seed2.h5")) && Contains("seed 2 against 1"));
  }
  {  // a shard of another config
    REQUIRE(run_command(base + " --set preprocess.split.val_fraction=0.3 --shard 3/3 --out " + dir.file("other.h5"))
                .exit_code == 0);
    const auto r = merge(parts[0] + " " + parts[1] + " " + dir.file("other.h5"), "bad.h5");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains(dir.file("other.h5")) && Contains("val_fraction"));
  }
  {  // a shard of another N
    REQUIRE(run_command(base + " --shard 2/2 --out " + dir.file("half.h5")).exit_code == 0);
    const auto r = merge(parts[0] + " " + dir.file("half.h5"), "bad.h5");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains(dir.file("half.h5")) && Contains("shard 2/2 against 1/3"));
  }
  {  // a file that is not a shard
    const auto r = merge(parts[0] + " " + parts[1] + " " + dir.file("single.h5"), "bad.h5");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Contains(dir.file("single.h5") + ": is not a shard"));
  }
  {  // other threads are the same run
    REQUIRE(run_command(tool_path("preprocess") + " --config " + config + " --threads 2 --shard 2/3 --out " +
                        dir.file("threads2.h5"))
                .exit_code == 0);
    CHECK(merge(parts[0] + " " + dir.file("threads2.h5") + " " + parts[2], "ok.h5").exit_code == 0);
  }
  CHECK(!fs::exists(dir.file("bad.h5")));
}

TEST_CASE("preprocess shards: the real LIDC-IDRI sample as 3 patients in 3 shards merges to the single run",
          "[preprocess][shards][lidc][real][lidc-sample]") {
  const std::string sample = due::test::lidc_sample_root();
  if (sample.empty()) return;  // Skipped through CTest
  due::test::ScratchDir dir;
  // Three patients: the sample's two and the first again under a third name (its ids follow the folder name).
  fs::create_directories(dir.file("root"));
  fs::create_directory_symlink(sample + "/LIDC-IDRI-0001", dir.file("root/LIDC-IDRI-0001"));
  fs::create_directory_symlink(sample + "/LIDC-IDRI-0002", dir.file("root/LIDC-IDRI-0002"));
  fs::create_directory_symlink(sample + "/LIDC-IDRI-0001", dir.file("root/LIDC-IDRI-9001"));
  fs::create_directories(dir.file("single"));
  fs::create_directories(dir.file("sharded"));
  const std::string base = tool_path("preprocess") + " --source lidc --root " + dir.file("root") +
                           " --threads 2 --set preprocess.split.train_fraction=0.5";
  const auto single = run_command(base + " --out " + dir.file("single/dataset.h5"));
  INFO(single.output);
  REQUIRE(single.exit_code == 0);
  std::string parts;
  for (int k = 1; k <= 3; ++k) {
    const std::string part = dir.file("sharded/dataset.part-" + std::to_string(k) + "-of-3.h5");
    const auto made = run_command(base + " --shard " + std::to_string(k) + "/3 --out " + part);
    INFO(made.output);
    REQUIRE(made.exit_code == 0);
    CHECK(fs::exists(part + ".report.json"));
    parts += " " + part;
  }
  CHECK(!fs::exists(dir.file("sharded/preprocess_report.json")));
  const auto merged = run_command(tool_path("preprocess") + " --merge" + parts + " --out " + dir.file("sharded/dataset.h5"));
  INFO(merged.output);
  REQUIRE(merged.exit_code == 0);
  require_same_dataset(dir.file("single/dataset.h5"), dir.file("sharded/dataset.h5"));

  const auto single_report = nlohmann::json::parse(due::test::read_text(dir.file("single/preprocess_report.json")));
  const auto merged_report = nlohmann::json::parse(due::test::read_text(dir.file("sharded/preprocess_report.json")));
  CHECK(merged_report.at("scans") == 3);
  for (const char* key : {"scans", "samples", "positives", "scans_skipped", "skipped", "notes", "splits", "source", "result"})
    CHECK(merged_report.at(key) == single_report.at(key));
  CHECK(merged_report.at("parts").size() == 3);
  CHECK(merged_report.at("parts")[1].at("shard") == "2/3");
  CHECK(merged_report.at("parts")[1].at("scans") == 1);
}
