#pragma once
// Paired comparisons of two methods over the same seeds: the differences, how many seeds each won, and two
// paired tests. With n seeds the smallest two-sided p-value either test can give is 2 / 2^n (0.25 for 3 seeds,
// 0.0625 for 5): below 6 seeds no difference can reach p < 0.05, whatever its size, and the report says so.
#include <cstddef>
#include <vector>

namespace due {

struct PairedComparison {
  std::size_t pairs = 0;             // seeds where both methods have a finite value
  double mean_difference = 0;        // mean of (a - b)
  double std_difference = 0;         // sample standard deviation (n - 1); NaN below two pairs
  std::size_t wins = 0, losses = 0;  // a > b, a < b (ties count in neither)
  double sign_test_p = 1;            // exact two-sided binomial test of wins against losses (ties dropped)
  double wilcoxon_p = 1;             // two-sided Wilcoxon signed-rank test (zeros dropped, see below)
  bool wilcoxon_exact = true;        // false: normal approximation (tied magnitudes, or more than 25 pairs)
};

// Exact two-sided sign test: P(X <= min(w, l)) * 2 under Binomial(w + l, 1/2), capped at 1; 1 when w + l = 0.
double sign_test_p_value(std::size_t wins, std::size_t losses);

// Two-sided Wilcoxon signed-rank test of `differences` against 0, zeros dropped (Wilcoxon's rule). Exact (the
// distribution of the positive rank sum by enumeration) when no two magnitudes tie and at most 25 remain; the
// normal approximation with the tie correction otherwise (as scipy.stats.wilcoxon). 1 when none remain.
double wilcoxon_signed_rank_p_value(const std::vector<double>& differences, bool* exact = nullptr);

// Pairs a[i] with b[i] (same seed), skipping pairs with a non-finite value.
PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace due
