#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "cli/config.h"
#include "cli/config_schema.h"
#include "raters/consensus.h"
#include "data/phantom.h"
#include "data/phantom_dataset.h"
#include "data/sparse_slices.h"
#include "io/dataset_store.h"
#include "support.h"

namespace {

due::PhantomConfig small_config(const std::vector<std::string>& overrides = {}) {
  due::Config config(due::toolkit_config_schema());
  config.apply_assignment("preprocess.block_size=[12, 24, 24]");
  config.apply_assignment("preprocess.phantom.patients=6");
  for (const std::string& o : overrides) config.apply_assignment(o);
  return due::phantom_config_from(config);
}

std::vector<std::size_t> votes_of(const due::DatasetSample& s, std::size_t voxels) {
  std::vector<std::size_t> votes(voxels, 0);
  for (std::size_t r = 0; r < s.rater_present.size(); ++r)
    if (s.rater_present[r])
      for (std::size_t v = 0; v < voxels; ++v) votes[v] += s.raters[r * voxels + v];
  return votes;
}

}  // namespace

TEST_CASE("phantoms: the consensus is at least 2 of the 4 raters, voxel by voxel", "[phantom]") {
  const due::PhantomConfig config = small_config();
  const std::size_t voxels = config.shape.voxels();
  std::size_t positives = 0;
  for (const due::PhantomSpec& spec : due::plan_phantoms(config, 3)) {
    const due::DatasetSample s = due::generate_phantom(config, spec);
    const auto votes = votes_of(s, voxels);
    for (std::size_t v = 0; v < voxels; ++v) REQUIRE((s.mask[v] == 1) == (votes[v] >= 2));
    if (s.label) {
      ++positives;
      CHECK(std::count(s.mask.begin(), s.mask.end(), 1) > 0);
      // the habits differ: the generous rater marks more than the conservative one
      const auto marked = [&](std::size_t r) {
        return std::count(s.raters.begin() + r * voxels, s.raters.begin() + (r + 1) * voxels, 1);
      };
      CHECK(marked(1) > marked(0));
    }
  }
  CHECK(positives > 0);
}

TEST_CASE("phantoms: with missing raters the consensus follows the raters present", "[phantom]") {
  const due::PhantomConfig config = small_config({"preprocess.phantom.rater_missing_probability=0.5"});
  const std::size_t voxels = config.shape.voxels();
  bool some_missing = false;
  for (const due::PhantomSpec& spec : due::plan_phantoms(config, 8)) {
    const due::DatasetSample s = due::generate_phantom(config, spec);
    const std::size_t present = std::accumulate(s.rater_present.begin(), s.rater_present.end(), std::size_t{0});
    REQUIRE(present >= 1);
    some_missing = some_missing || present < 4;
    const std::size_t needed = due::consensus_votes_needed(present, 0.5);
    const auto votes = votes_of(s, voxels);
    for (std::size_t v = 0; v < voxels; ++v) REQUIRE((s.mask[v] == 1) == (votes[v] >= needed));
    for (std::size_t r = 0; r < 4; ++r)
      if (!s.rater_present[r])
        CHECK(std::all_of(s.raters.begin() + r * voxels, s.raters.begin() + (r + 1) * voxels,
                          [](std::uint8_t m) { return m == 0; }));
  }
  CHECK(some_missing);
  CHECK(due::consensus_votes_needed(4, 0.5) == 2);
  CHECK(due::consensus_votes_needed(3, 0.5) == 2);
  CHECK(due::consensus_votes_needed(1, 0.5) == 1);
  CHECK(due::consensus_votes_needed(4, 1.0) == 4);
}

TEST_CASE("phantoms: annotated slices sit only where the DUE rule puts them", "[phantom]") {
  const due::PhantomConfig config = small_config();
  const std::size_t depth = config.shape.depth;
  // the spacing ratio is drawn in [3, 7]: n between original_slice_count(D, 7) and original_slice_count(D, 3)
  const std::size_t n_min = due::original_slice_count(depth, 7.0), n_max = due::original_slice_count(depth, 3.0);
  for (const due::PhantomSpec& spec : due::plan_phantoms(config, 5)) {
    const due::DatasetSample s = due::generate_phantom(config, spec);
    bool matches_rule = false;
    for (std::size_t n = n_min; n <= n_max; ++n)
      matches_rule = matches_rule ||
                     s.annotated_slices == due::slice_indicator(depth, due::due_annotated_positions(depth, n));
    CHECK(matches_rule);
    CHECK(s.annotated_slices.front() == 1);
    CHECK(s.annotated_slices.back() == 1);
  }
}

TEST_CASE("phantoms: the every-k rule annotates every k-th slice", "[phantom]") {
  const due::PhantomConfig config =
      small_config({"preprocess.annotation.rule=every-k", "preprocess.annotation.every_k=5"});
  const auto expected = due::slice_indicator(12, {0, 5, 10, 11});
  for (const due::PhantomSpec& spec : due::plan_phantoms(config, 5))
    CHECK(due::generate_phantom(config, spec).annotated_slices == expected);
}

TEST_CASE("phantoms: negatives have empty masks, the nodule is brighter than the lung", "[phantom]") {
  // Solid nodules (about 30 HU, 0.73 after the window) stand far above the lung (about -860 HU, 0.10);
  // ground-glass ones (-500 +- 80 HU) less so, and blurred boundary voxels pull the mean inside the mask down.
  const std::string ground_glass = GENERATE(as<std::string>{}, "0", "1");
  const double margin = ground_glass == "0" ? 0.2 : 0.05;
  INFO("ground-glass fraction " << ground_glass);
  const due::PhantomConfig config = small_config(
      {"preprocess.phantom.chest_wall_probability=0", "preprocess.phantom.ground_glass_fraction=" + ground_glass});
  const std::size_t voxels = config.shape.voxels();
  for (const due::PhantomSpec& spec : due::plan_phantoms(config, 2)) {
    const due::DatasetSample s = due::generate_phantom(config, spec);
    CHECK(std::all_of(s.image.begin(), s.image.end(), [](float v) { return v >= 0.f && v <= 1.f; }));
    if (!s.label) {
      CHECK(std::all_of(s.mask.begin(), s.mask.end(), [](std::uint8_t m) { return m == 0; }));
      CHECK(std::all_of(s.raters.begin(), s.raters.end(), [](std::uint8_t m) { return m == 0; }));
      continue;
    }
    double inside = 0, n_inside = 0;
    std::vector<float> outside;
    for (std::size_t v = 0; v < voxels; ++v) {
      if (s.mask[v]) {
        inside += s.image[v];
        ++n_inside;
      } else {
        outside.push_back(s.image[v]);
      }
    }
    std::nth_element(outside.begin(), outside.begin() + outside.size() / 2, outside.end());
    CHECK(inside / n_inside > outside[outside.size() / 2] + margin);
  }
}

TEST_CASE("phantoms: the plan has the configured patients and exactly round(fraction * N) positives", "[phantom]") {
  const due::PhantomConfig config = small_config({"preprocess.phantom.positive_fraction=0.3"});
  const auto specs = due::plan_phantoms(config, 1);
  std::map<std::string, int> per_patient;
  std::size_t positives = 0;
  for (const auto& spec : specs) {
    ++per_patient[spec.patient];
    positives += spec.label;
  }
  CHECK(per_patient.size() == 6);
  for (const auto& [patient, count] : per_patient) CHECK((count >= 1 && count <= 3));
  CHECK(positives == static_cast<std::size_t>(std::llround(0.3 * static_cast<double>(specs.size()))));
}

TEST_CASE("phantoms: identical for the same seed, different for another", "[phantom]") {
  const due::PhantomConfig config = small_config();
  const auto specs = due::plan_phantoms(config, 21);
  const due::DatasetSample a = due::generate_phantom(config, specs[0]);
  const due::DatasetSample b = due::generate_phantom(config, specs[0]);
  CHECK(a.image == b.image);
  CHECK(a.raters == b.raters);
  const due::DatasetSample c = due::generate_phantom(config, due::plan_phantoms(config, 22)[0]);
  CHECK(a.image != c.image);
}

TEST_CASE("phantom dataset: same seed gives the same file content on any thread count, splits by patient",
          "[phantom][store]") {
  due::test::ScratchDir dir;
  const due::PhantomConfig config = small_config();
  const due::SplitConfig split{0.5, 0.2, 0, true};
  const auto provenance = due::make_provenance("due-test");
  due::write_phantom_dataset(dir.file("a.h5"), config, split, 9, 1, provenance, 1);
  due::write_phantom_dataset(dir.file("b.h5"), config, split, 9, 3, provenance, 1);
  due::write_phantom_dataset(dir.file("c.h5"), config, split, 10, 2, provenance, 1);
  const due::DatasetReader a(dir.file("a.h5")), b(dir.file("b.h5")), c(dir.file("c.h5"));
  REQUIRE(a.size() == b.size());
  CHECK(a.ids() == b.ids());
  CHECK(a.splits() == b.splits());
  CHECK(a.labels() == b.labels());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = a.read(i), y = b.read(i);
    REQUIRE(x.image == y.image);
    REQUIRE(x.raters == y.raters);
    REQUIRE(x.annotated_slices == y.annotated_slices);
  }
  CHECK(a.read(0).image != c.read(0).image);

  const auto patients = a.patients();
  const auto splits = a.splits();
  const auto labels = a.labels();
  std::map<std::string, std::set<int>> sides;
  std::size_t train_positive = 0, train_negative = 0;
  for (std::size_t i = 0; i < patients.size(); ++i) {
    sides[patients[i]].insert(splits[i] == due::kUnused ? int{due::kTrain} : int{splits[i]});
    if (splits[i] == due::kTrain && labels[i]) ++train_positive;
    if (splits[i] == due::kTrain && !labels[i]) ++train_negative;
  }
  for (const auto& [patient, kinds] : sides) CHECK(kinds.size() == 1);
  CHECK(train_positive == train_negative);
  CHECK(train_positive > 0);
}
