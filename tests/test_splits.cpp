#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "data/splits.h"
#include "io/dataset_store.h"
#include "util/errors.h"

namespace {
struct Cohort {
  std::vector<std::string> patients;
  std::vector<std::uint8_t> labels;
};
// 60 patients with 1-3 samples each; every third patient has a positive sample.
Cohort make_cohort() {
  Cohort c;
  for (int p = 0; p < 60; ++p) {
    for (int k = 0; k < 1 + p % 3; ++k) {
      c.patients.push_back("p" + std::to_string(p));
      c.labels.push_back(static_cast<std::uint8_t>(p % 3 == 0 && k == 0 ? 1 : (p + k) % 4 == 0));
    }
  }
  return c;
}
}  // namespace

TEST_CASE("splits: patients are never shared between splits", "[splits]") {
  const Cohort c = make_cohort();
  const auto split = due::assign_splits(c.patients, c.labels, {0.4, 0.2, 0, true}, 3);
  std::map<std::string, std::set<int>> groups;  // train and unused count as one side
  for (std::size_t i = 0; i < split.size(); ++i)
    groups[c.patients[i]].insert(split[i] == due::kUnused ? int{due::kTrain} : int{split[i]});
  for (const auto& [patient, kinds] : groups) CHECK(kinds.size() == 1);
  std::size_t n[4] = {0, 0, 0, 0};
  for (auto s : split) ++n[s];
  CHECK(n[due::kValidation] > 0);
  CHECK(n[due::kTest] > 0);
}

TEST_CASE("splits: the training set is class-balanced and of the asked size", "[splits]") {
  const Cohort c = make_cohort();
  for (std::size_t size : {0u, 6u, 10u}) {
    const auto split = due::assign_splits(c.patients, c.labels, {0.5, 0.2, size, true}, 11);
    std::size_t positives = 0, negatives = 0;
    for (std::size_t i = 0; i < split.size(); ++i) {
      if (split[i] == due::kTrain && c.labels[i]) ++positives;
      if (split[i] == due::kTrain && !c.labels[i]) ++negatives;
    }
    CHECK(positives == negatives);
    if (size > 0) CHECK(positives + negatives == size);
    if (size == 0) CHECK(positives > 0);
  }
}

TEST_CASE("splits: deterministic for a seed, different for another", "[splits]") {
  const Cohort c = make_cohort();
  const due::SplitConfig config{0.5, 0.2, 0, true};
  CHECK(due::assign_splits(c.patients, c.labels, config, 5) == due::assign_splits(c.patients, c.labels, config, 5));
  CHECK(due::assign_splits(c.patients, c.labels, config, 5) != due::assign_splits(c.patients, c.labels, config, 6));
}

TEST_CASE("splits: impossible requests are input errors", "[splits]") {
  const Cohort c = make_cohort();
  CHECK_THROWS_AS(due::assign_splits(c.patients, c.labels, {0.1, 0.2, 500, true}, 1), due::InputError);
  CHECK_THROWS_AS(due::assign_splits(c.patients, c.labels, {0.9, 0.2, 0, true}, 1), due::InputError);
}
