#pragma once
// Which training samples form each batch of an epoch. Depends only on (seed, epoch), so a resumed run sees the
// same batches as an uninterrupted one.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace due {

enum class ClassBalance {
  None,        // every sample once, shuffled
  Oversample,  // positives and negatives alternate, so each batch is (nearly) half positive; the smaller class is
               // topped up with a reshuffled draw of itself until both are as large as the larger one
};

// Batches of positions into `labels` (0/1). No batch has a single sample (BatchNorm in training mode needs
// two): a last batch of one joins the batch before it. With only one class present, Oversample is None.
std::vector<std::vector<std::size_t>> epoch_batches(const std::vector<std::uint8_t>& labels, std::size_t batch_size,
                                                    ClassBalance balance, std::uint64_t seed, std::uint64_t epoch);

}  // namespace due
