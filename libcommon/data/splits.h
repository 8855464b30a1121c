#pragma once
// Patient-level train/validation/test splits with a class-balanced training set.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace due {

struct SplitConfig {
  double train_fraction = 0.5;  // of the patients
  double val_fraction = 0.2;    // of the patients; test gets the rest
  std::size_t train_size = 0;   // balanced training set size; 0 = as large as balance allows
  bool balance_train = true;
};

// Returns one split code (kTrain, kValidation, kTest, kUnused) per sample. Patients are shuffled with
// the seed and assigned whole, separately for patients with and without a positive sample, so every split
// gets both kinds. Training samples left out of the balanced set get kUnused. Throws InputError when the
// training patients cannot supply `train_size` balanced samples.
std::vector<std::uint8_t> assign_splits(const std::vector<std::string>& patients,
                                        const std::vector<std::uint8_t>& labels, const SplitConfig& config,
                                        std::uint64_t seed);

}  // namespace due
