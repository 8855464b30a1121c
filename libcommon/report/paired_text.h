#pragma once
// How the report words a paired comparison (report/paired_statistics.h): the cells of its paired tables, and
// the evidence behind a claim made in one direction beforehand ("DUE is higher than Baseline").
#include <cstddef>
#include <string>

#include "report/paired_statistics.h"

namespace due {

// A claim is shown at p below this.
inline constexpr double kSignificanceLevel = 0.05;

// Below this many pairs no p-value is given: with 1 or 2 pairs a difference is an anecdote.
inline constexpr std::size_t kPairsForAnyTest = 3;

// "+0.200 ± 0.100" (mean ± sd of the differences; the sd from two pairs on); "n/a" without pairs.
std::string format_paired_difference(const PairedComparison& comparison);

// "0.031"; "9.8e-04" below 0.001.
std::string format_p_value(double p);

// A table cell for one of `comparison`'s p-values: format_p_value(p), or "—" below kPairsForAnyTest pairs.
std::string p_value_cell(const PairedComparison& comparison, double p);

// The fewest pairs with which an exact one-sided test can reach p < kSignificanceLevel: 5 (1/2^5 = 0.031).
std::size_t pairs_needed_one_sided();

// Whether a one-sided comparison (Alternative::greater) shows its claim: Wilcoxon p < kSignificanceLevel with
// at least pairs_needed_one_sided() pairs. With fewer, only the normal approximation (tied magnitudes) can go
// below the level, and so few pairs do not support it.
bool claim_shown(const PairedComparison& test);

// The verdict on "a is higher than b" and its evidence, a sentence: `shown_words` or `not_shown_words`, then
// in parentheses the one-sided Wilcoxon p that gives the verdict, the sign test's beside it, the pairs and the
// effect, e.g. "**shown** (p = 0.001, one-sided exact Wilcoxon signed-rank test; one-sided sign test p = 0.001;
// n = 10 pairs; DUE − Baseline +0.200 ± 0.050, DUE higher in 10 of 10)." `test` gives the p-values and the
// verdict; `effect`, the plain comparison of a and b, the rest (the two differ for a non-inferiority claim,
// whose test is on shifted differences). Below 3 pairs no p-value is given. Without pairs: "not checked (...)".
std::string claim_verdict(const PairedComparison& test, const PairedComparison& effect, const std::string& a,
                          const std::string& b, const std::string& shown_words, const std::string& not_shown_words);

// Said once after a list of verdicts (not on every line: the one-seed demo would repeat it on each) when the
// fewest pairs of any line (0: none had pairs) are below pairs_needed_one_sided(): no test can reach
// p < kSignificanceLevel with so few, and what that many pairs can give. "" otherwise.
std::string too_few_pairs_sentence(std::size_t fewest_pairs);

}  // namespace due
