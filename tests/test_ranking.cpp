#include <catch2/catch.hpp>

#include <cmath>

#include "metrics/ranking.h"


TEST_CASE("ranking: ROC-AUC counts ordered pairs, ties one half", "[metrics]") {
  // Perfect and reversed rankings.
  CHECK(due::roc_auc({0.9, 0.8, 0.2, 0.1}, {1, 1, 0, 0}) == 1.0);
  CHECK(due::roc_auc({0.1, 0.2, 0.8, 0.9}, {1, 1, 0, 0}) == 0.0);
  // Positives 0.8, 0.4; negatives 0.6, 0.4, 0.2. Pairs (p > n): 0.8 beats all 3; 0.4 beats 0.2, ties 0.4.
  // (3 + 1 + 0.5) / 6.
  CHECK(due::roc_auc({0.8, 0.6, 0.4, 0.4, 0.2}, {1, 0, 1, 0, 0}) == Approx(4.5 / 6.0));
  // All scores equal: every pair a tie.
  CHECK(due::roc_auc({0.5, 0.5, 0.5}, {1, 0, 0}) == Approx(0.5));
  CHECK(std::isnan(due::roc_auc({0.5, 0.7}, {1, 1})));
  CHECK(std::isnan(due::roc_auc({}, {})));
}

TEST_CASE("ranking: average precision sums precision at each recall step, ties as one threshold", "[metrics]") {
  // Ranked: 0.9 (+), 0.8 (-), 0.7 (+), 0.1 (-). Recall steps at 0.9 (P 1) and 0.7 (P 2/3): (1 + 2/3) / 2.
  CHECK(due::average_precision({0.9, 0.8, 0.7, 0.1}, {1, 0, 1, 0}) == Approx((1.0 + 2.0 / 3.0) / 2.0));
  // A tie of one positive and one negative at the top: one threshold with precision 1/2, recall 1/2; then the
  // second positive at 0.3 with precision 2/3. AP = 0.5 * 0.5 + 0.5 * 2/3.
  CHECK(due::average_precision({0.6, 0.6, 0.3}, {1, 0, 1}) == Approx(0.25 + 1.0 / 3.0));
  CHECK(due::average_precision({0.2, 0.1}, {0, 0}) != due::average_precision({0.2, 0.1}, {0, 0}));  // NaN
  CHECK(due::average_precision({0.2, 0.1}, {1, 1}) == 1.0);
}

TEST_CASE("ranking: trapezoid PR-AUC starts at (recall 0, precision 1)", "[metrics]") {
  // Points: (0, 1), (0.5, 1), (0.5, 0.5), (1, 2/3), (1, 0.5). Areas: 0.5 * 1 + 0 + 0.5 * (0.5 + 2/3) / 2 + 0.
  CHECK(due::pr_auc_trapezoid({0.9, 0.8, 0.7, 0.1}, {1, 0, 1, 0}) == Approx(0.5 + 0.25 * (0.5 + 2.0 / 3.0)));
  // Tie at the top: (0, 1) -> (0.5, 0.5) -> (1, 2/3): 0.5 * 0.75 + 0.5 * (0.5 + 2/3) / 2.
  CHECK(due::pr_auc_trapezoid({0.6, 0.6, 0.3}, {1, 0, 1}) == Approx(0.375 + 0.25 * (0.5 + 2.0 / 3.0)));
  // A perfect ranking has area 1 under both definitions; a random-looking one differs between them.
  CHECK(due::pr_auc_trapezoid({0.9, 0.8, 0.3}, {1, 1, 0}) == Approx(1.0));
  CHECK(std::isnan(due::pr_auc_trapezoid({0.3}, {0})));
  CHECK_THROWS(due::pr_auc_trapezoid({0.3, 0.2}, {0}));
  CHECK_THROWS(due::roc_auc({std::nan(""), 0.2}, {0, 1}));
}
