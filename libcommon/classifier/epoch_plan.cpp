#include "classifier/epoch_plan.h"

#include <algorithm>
#include <random>
#include <stdexcept>

#include "util/seeding.h"

namespace due {
namespace {

constexpr std::uint64_t kEpochStream = 0x636c61737365706fULL;  // "classepo"

// `members` shuffled, then extended by reshuffled copies of itself up to `size`.
std::vector<std::size_t> drawn(std::vector<std::size_t> members, std::size_t size, std::mt19937_64& rng) {
  std::shuffle(members.begin(), members.end(), rng);
  std::vector<std::size_t> out = members;
  while (out.size() < size) {
    std::shuffle(members.begin(), members.end(), rng);
    const std::size_t take = std::min(members.size(), size - out.size());
    out.insert(out.end(), members.begin(), members.begin() + static_cast<std::ptrdiff_t>(take));
  }
  return out;
}

}  // namespace

std::vector<std::vector<std::size_t>> epoch_batches(const std::vector<std::uint8_t>& labels, std::size_t batch_size,
                                                    ClassBalance balance, std::uint64_t seed, std::uint64_t epoch) {
  if (batch_size < 2) throw std::invalid_argument("epoch_batches: batch size must be >= 2");
  std::mt19937_64 rng(derive_seed(seed, kEpochStream, epoch));
  std::vector<std::size_t> positives, negatives, order;
  for (std::size_t i = 0; i < labels.size(); ++i) (labels[i] ? positives : negatives).push_back(i);
  if (balance == ClassBalance::Oversample && !positives.empty() && !negatives.empty()) {
    const std::size_t size = std::max(positives.size(), negatives.size());
    const auto p = drawn(positives, size, rng), n = drawn(negatives, size, rng);
    // Which class leads alternates from batch to batch, so odd batch sizes do not favour one class.
    for (std::size_t i = 0; i < size; ++i) {
      const bool positive_first = ((order.size() / batch_size) % 2) == 0;
      order.push_back(positive_first ? p[i] : n[i]);
      order.push_back(positive_first ? n[i] : p[i]);
    }
  } else {
    order.resize(labels.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), rng);
  }
  std::vector<std::vector<std::size_t>> batches;
  for (std::size_t start = 0; start < order.size(); start += batch_size) {
    const std::size_t end = std::min(order.size(), start + batch_size);
    if (end - start == 1 && !batches.empty())
      batches.back().push_back(order[start]);
    else
      batches.emplace_back(order.begin() + static_cast<std::ptrdiff_t>(start), order.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return batches;
}

}  // namespace due
