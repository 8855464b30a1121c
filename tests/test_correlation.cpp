#include <catch2/catch.hpp>

#include <cmath>

#include "metrics/classification.h"
#include "metrics/correlation.h"

TEST_CASE("correlation: Pearson and Spearman against hand values", "[correlation]") {
  // x = 1..5, y = 2, 4, 5, 4, 5: means 3 and 4; sxy = 6, sxx = 10, syy = 6 -> r = 6 / sqrt(60).
  const std::vector<double> x{1, 2, 3, 4, 5}, y{2, 4, 5, 4, 5};
  CHECK(due::pearson_correlation(x, y) == Approx(6 / std::sqrt(60.0)).epsilon(1e-12));
  CHECK(due::pearson_correlation(x, {10, 8, 6, 4, 2}) == Approx(-1.0));
  CHECK(std::isnan(due::pearson_correlation(x, {1, 1, 1, 1, 1})));
  // Ties share ranks: y ranks 1, 2.5, 4.5, 2.5, 4.5.
  CHECK(due::average_ranks(y) == std::vector<double>{1, 2.5, 4.5, 2.5, 4.5});
  // Spearman = Pearson of (1..5) and those ranks: sxy = 7, sxx = 10, syy = 9 -> 7 / sqrt(90).
  CHECK(due::spearman_correlation(x, y) == Approx(7 / std::sqrt(90.0)).epsilon(1e-12));
  // Any monotone map keeps Spearman at 1 while Pearson drops below it.
  const std::vector<double> cubes{1, 8, 27, 64, 125};
  CHECK(due::spearman_correlation(x, cubes) == Approx(1.0));
  CHECK(due::pearson_correlation(x, cubes) < 0.95);
}

TEST_CASE("metrics: ROC AUC counts ordered pairs, ties as one half", "[correlation]") {
  // Positives score 0.9 and 0.4, negatives 0.5, 0.4, 0.1: of the 6 pairs, 0.9 beats all three (3), 0.4 beats
  // 0.1 (1) and ties 0.4 (1/2): AUC = 4.5 / 6.
  const std::vector<double> scores{0.9, 0.4, 0.5, 0.4, 0.1};
  const std::vector<std::uint8_t> positive{1, 1, 0, 0, 0};
  CHECK(due::roc_auc(scores, positive) == Approx(0.75));
  CHECK(due::roc_auc({1, 2, 3, 4}, {0, 0, 1, 1}) == Approx(1.0));
  CHECK(due::roc_auc({1, 2, 3, 4}, {1, 1, 0, 0}) == Approx(0.0));
  CHECK(due::roc_auc({7, 7, 7, 7}, {1, 0, 1, 0}) == Approx(0.5));
  CHECK(std::isnan(due::roc_auc({1, 2}, {1, 1})));
}
