#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <set>
#include <tuple>

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

TEST_CASE("splits: per class, each split's patient count is its fraction of that class's patients, and every split "
          "has both labels",
          "[splits]") {
  const Cohort c = make_cohort();
  // Patients with a positive sample, counted here from the cohort: p % 3 == 0 (20), plus those whose
  // (p + k) % 4 == 0 for some later sample k.
  std::map<std::string, bool> positive_patient;
  for (std::size_t i = 0; i < c.patients.size(); ++i)
    positive_patient[c.patients[i]] = positive_patient[c.patients[i]] || c.labels[i];
  std::size_t positive_patients = 0;
  for (const auto& [patient, positive] : positive_patient) positive_patients += positive;
  const std::size_t negative_patients = positive_patient.size() - positive_patients;
  REQUIRE(positive_patients >= 10);
  REQUIRE(negative_patients >= 10);
  for (const auto& [train, val, seed] : {std::tuple{0.5, 0.2, 3}, std::tuple{0.6, 0.25, 8}, std::tuple{0.3, 0.3, 21}}) {
    INFO("train " << train << ", validation " << val << ", seed " << seed);
    const auto split = due::assign_splits(c.patients, c.labels, {train, val, 0, false}, seed);
    // patients per (class, split); labels per split
    std::map<std::pair<bool, int>, std::set<std::string>> patients;
    std::map<int, std::set<int>> labels;
    for (std::size_t i = 0; i < split.size(); ++i) {
      patients[{positive_patient.at(c.patients[i]), split[i]}].insert(c.patients[i]);
      labels[split[i]].insert(c.labels[i]);
    }
    for (const bool positive : {true, false}) {
      const double n = static_cast<double>(positive ? positive_patients : negative_patients);
      INFO((positive ? "positive" : "negative") << " patients: " << n);
      const double n_train = static_cast<double>(patients[{positive, due::kTrain}].size());
      const double n_val = static_cast<double>(patients[{positive, due::kValidation}].size());
      const double n_test = static_cast<double>(patients[{positive, due::kTest}].size());
      CHECK(std::abs(n_train - train * n) <= 0.5);  // the nearest whole number of patients
      CHECK(std::abs(n_val - val * n) <= 0.5);
      CHECK(n_train + n_val + n_test == n);
    }
    for (const int s : {int{due::kTrain}, int{due::kValidation}, int{due::kTest}}) {
      INFO("split " << s);
      CHECK(labels[s] == std::set<int>{0, 1});
    }
  }
}
