#pragma once
// Paired comparisons of two methods over the same runs (same data seed and classifier seed): the differences,
// how many pairs each won, and two exact paired tests, two-sided or one-sided. With n pairs the smallest p-value
// either exact test can give is 2 / 2^n two-sided (0.25 for 3 pairs, 0.0625 for 5: below 6 pairs no difference
// reaches p < 0.05, whatever its size) and 1 / 2^n one-sided (0.125 for 3, 0.031 for 5: 5 pairs at least).
#include <cstddef>
#include <vector>

namespace due {

// The alternative hypothesis of a test of the differences a - b: that they are not centred on 0 (two-sided), or
// that they lean above 0 (one-sided, "a is higher": the direction a claim names beforehand).
enum class Alternative { two_sided, greater };

struct PairedComparison {
  Alternative alternative = Alternative::two_sided;  // of both p-values below
  std::size_t pairs = 0;             // runs where both methods have a finite value
  double mean_difference = 0;        // mean of (a - b)
  double std_difference = 0;         // sample standard deviation (n - 1); NaN below two pairs
  std::size_t wins = 0, losses = 0;  // a > b, a < b (ties count in neither)
  double sign_test_p = 1;            // exact binomial test of wins against losses (ties dropped)
  double wilcoxon_p = 1;             // Wilcoxon signed-rank test (zeros dropped, see below)
  bool wilcoxon_exact = true;        // false: normal approximation (tied magnitudes, or more than 25 pairs)
};

// Exact sign test under Binomial(w + l, 1/2): two-sided P(X <= min(w, l)) * 2, capped at 1; greater P(X >= w).
// 1 when w + l = 0.
double sign_test_p_value(std::size_t wins, std::size_t losses, Alternative alternative = Alternative::two_sided);

// Wilcoxon signed-rank test of `differences` against 0, zeros dropped (Wilcoxon's rule). Exact (the
// distribution of the positive rank sum by enumeration) when no two magnitudes tie and at most 25 remain; the
// normal approximation with the tie correction otherwise (as scipy.stats.wilcoxon with correction=False and the
// same `alternative`). 1 when none remain.
double wilcoxon_signed_rank_p_value(const std::vector<double>& differences, bool* exact = nullptr,
                                    Alternative alternative = Alternative::two_sided);

// The smallest p-value an exact one-sided test (Wilcoxon or sign) can give with n pairs: 1 / 2^n, every pair
// in the claimed direction.
double smallest_one_sided_exact_p(std::size_t pairs);

// Pairs a[i] with b[i] (the same run key), skipping pairs with a non-finite value.
PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b,
                                Alternative alternative = Alternative::two_sided);

}  // namespace due
