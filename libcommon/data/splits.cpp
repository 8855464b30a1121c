#include "data/splits.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "io/dataset_store.h"
#include "util/errors.h"
#include "util/seeding.h"

namespace due {
namespace {
constexpr std::uint64_t kPatientStream = 0x5011;
constexpr std::uint64_t kBalanceStream = 0x5012;
}  // namespace

std::vector<std::uint8_t> assign_splits(const std::vector<std::string>& patients,
                                        const std::vector<std::uint8_t>& labels, const SplitConfig& config,
                                        std::uint64_t seed) {
  if (patients.size() != labels.size()) throw std::logic_error("assign_splits: patients and labels differ in length");
  if (config.train_fraction < 0 || config.val_fraction < 0 || config.train_fraction + config.val_fraction > 1.0 + 1e-9)
    throw InputError("split fractions must be non-negative and sum to at most 1 (train " +
                     std::to_string(config.train_fraction) + ", validation " + std::to_string(config.val_fraction) +
                     ")");

  // Sorted, so the result depends on the seed and the set of patients, not on sample order.
  std::map<std::string, bool> has_positive;
  for (std::size_t i = 0; i < patients.size(); ++i) has_positive[patients[i]] = has_positive[patients[i]] || labels[i];
  std::vector<std::string> positive_patients, negative_patients;
  for (const auto& [patient, positive] : has_positive) (positive ? positive_patients : negative_patients).push_back(patient);

  std::mt19937_64 rng(derive_seed(seed, kPatientStream));
  std::map<std::string, std::uint8_t> patient_split;
  for (std::vector<std::string>* group : {&positive_patients, &negative_patients}) {
    std::shuffle(group->begin(), group->end(), rng);
    const double n = static_cast<double>(group->size());
    const auto n_train = static_cast<std::size_t>(std::llround(config.train_fraction * n));
    const auto n_val = std::min(group->size() - std::min(group->size(), n_train),
                                static_cast<std::size_t>(std::llround(config.val_fraction * n)));
    for (std::size_t i = 0; i < group->size(); ++i) {
      patient_split[(*group)[i]] = i < n_train ? kTrain : i < n_train + n_val ? kValidation : kTest;
    }
  }

  std::vector<std::uint8_t> split(patients.size());
  std::vector<std::size_t> train_positive, train_negative;
  for (std::size_t i = 0; i < patients.size(); ++i) {
    split[i] = patient_split[patients[i]];
    if (split[i] == kTrain) (labels[i] ? train_positive : train_negative).push_back(i);
  }
  if (!config.balance_train && config.train_size == 0) return split;

  std::size_t per_class = std::min(train_positive.size(), train_negative.size());
  if (config.train_size > 0) {
    const std::size_t wanted_positive = (config.train_size + 1) / 2, wanted_negative = config.train_size / 2;
    if (config.balance_train && (train_positive.size() < wanted_positive || train_negative.size() < wanted_negative))
      throw InputError("split.train_size " + std::to_string(config.train_size) + " needs " +
                       std::to_string(wanted_positive) + " positive and " + std::to_string(wanted_negative) +
                       " negative training samples, but the training patients have " +
                       std::to_string(train_positive.size()) + " and " + std::to_string(train_negative.size()) +
                       " (raise split.train_fraction or lower split.train_size)");
    if (!config.balance_train && train_positive.size() + train_negative.size() < config.train_size)
      throw InputError("split.train_size " + std::to_string(config.train_size) + " exceeds the " +
                       std::to_string(train_positive.size() + train_negative.size()) + " training samples");
  }
  std::mt19937_64 pick(derive_seed(seed, kBalanceStream));
  std::shuffle(train_positive.begin(), train_positive.end(), pick);
  std::shuffle(train_negative.begin(), train_negative.end(), pick);
  std::set<std::size_t> keep;
  if (config.balance_train) {
    const std::size_t n_positive = config.train_size > 0 ? (config.train_size + 1) / 2 : per_class;
    const std::size_t n_negative = config.train_size > 0 ? config.train_size / 2 : per_class;
    keep.insert(train_positive.begin(), train_positive.begin() + static_cast<std::ptrdiff_t>(n_positive));
    keep.insert(train_negative.begin(), train_negative.begin() + static_cast<std::ptrdiff_t>(n_negative));
  } else {
    std::vector<std::size_t> all(train_positive);
    all.insert(all.end(), train_negative.begin(), train_negative.end());
    std::shuffle(all.begin(), all.end(), pick);
    keep.insert(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(config.train_size));
  }
  for (std::size_t i = 0; i < split.size(); ++i) {
    if (split[i] == kTrain && !keep.count(i)) split[i] = kUnused;
  }
  return split;
}

}  // namespace due
