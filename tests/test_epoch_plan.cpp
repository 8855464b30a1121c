#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "classifier/epoch_plan.h"

namespace {
std::size_t total(const std::vector<std::vector<std::size_t>>& batches) {
  std::size_t n = 0;
  for (const auto& b : batches) n += b.size();
  return n;
}
}  // namespace

TEST_CASE("epoch plan: balanced batches, the smaller class redrawn, no batch of one", "[classifier]") {
  // 3 positives, 8 negatives.
  const std::vector<std::uint8_t> labels{1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
  const auto batches = due::epoch_batches(labels, 4, due::ClassBalance::Oversample, 7, 1);
  CHECK(total(batches) == 16);  // both classes drawn up to 8
  std::map<std::size_t, int> seen;
  for (const auto& batch : batches) {
    CHECK(batch.size() >= 2);
    int positives = 0;
    for (std::size_t i : batch) {
      positives += labels[i];
      ++seen[i];
    }
    CHECK(positives * 2 == static_cast<int>(batch.size()));
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    INFO(i);
    if (labels[i] == 0)
      CHECK(seen[i] == 1);  // every negative exactly once
    else
      CHECK(seen[i] >= 2);  // each positive at least twice (8 draws of 3)
  }
  // Same (seed, epoch): same plan. Another epoch: another order.
  CHECK(due::epoch_batches(labels, 4, due::ClassBalance::Oversample, 7, 1) == batches);
  CHECK(due::epoch_batches(labels, 4, due::ClassBalance::Oversample, 7, 2) != batches);
}

TEST_CASE("epoch plan: plain shuffle visits each sample once, a trailing single joins the last batch", "[classifier]") {
  const std::vector<std::uint8_t> labels{1, 0, 0, 1, 0, 1, 0};
  const auto batches = due::epoch_batches(labels, 3, due::ClassBalance::None, 3, 5);
  REQUIRE(batches.size() == 2);
  CHECK(batches[0].size() == 3);
  CHECK(batches[1].size() == 4);
  std::set<std::size_t> all;
  for (const auto& b : batches) all.insert(b.begin(), b.end());
  CHECK(all.size() == labels.size());
  // One class only: oversampling has nothing to balance.
  const auto single = due::epoch_batches({0, 0, 0, 0}, 2, due::ClassBalance::Oversample, 1, 1);
  CHECK(total(single) == 4);
  CHECK_THROWS(due::epoch_batches(labels, 1, due::ClassBalance::None, 1, 1));
}
