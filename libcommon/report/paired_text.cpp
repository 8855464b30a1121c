#include "report/paired_text.h"

#include <cstdio>
#include <sstream>

namespace due {
namespace {

std::string signed_fixed(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%+.3f", value);
  return text;
}

}  // namespace

std::string format_paired_difference(const PairedComparison& c) {
  if (c.pairs == 0) return "n/a";
  const std::string mean = signed_fixed(c.mean_difference);
  return c.pairs < 2 ? mean : mean + " ± " + signed_fixed(c.std_difference).substr(1);
}

std::string format_p_value(double p) {
  char text[32];
  std::snprintf(text, sizeof text, p < 0.001 ? "%.1e" : "%.3f", p);
  return text;
}

std::string p_value_cell(const PairedComparison& comparison, double p) {
  return comparison.pairs >= kPairsForAnyTest ? format_p_value(p) : "—";
}

std::size_t pairs_needed_one_sided() {
  std::size_t pairs = 1;
  while (!(smallest_one_sided_exact_p(pairs) < kSignificanceLevel)) ++pairs;
  return pairs;
}

bool claim_shown(const PairedComparison& test) {
  return test.alternative == Alternative::greater && test.pairs >= pairs_needed_one_sided() &&
         test.wilcoxon_p < kSignificanceLevel;
}

std::string claim_verdict(const PairedComparison& test, const PairedComparison& effect, const std::string& a,
                          const std::string& b, const std::string& shown_words, const std::string& not_shown_words) {
  if (effect.pairs == 0)
    return "not checked (no run of " + a + " has a run of " + b + " on the same data seed and classifier seed).";
  std::ostringstream out;
  out << (claim_shown(test) ? shown_words : not_shown_words) << " (";
  const std::string sided = test.alternative == Alternative::greater ? "one-sided" : "two-sided";
  if (test.pairs >= kPairsForAnyTest)
    out << "p = " << format_p_value(test.wilcoxon_p) << ", " << sided
        << (test.wilcoxon_exact ? " exact Wilcoxon signed-rank test"
                                : " Wilcoxon signed-rank test, normal approximation (tied magnitudes)")
        << "; " << sided << " sign test p = " << format_p_value(test.sign_test_p) << "; ";
  const auto pairs_text = [](std::size_t n) { return std::to_string(n) + (n == 1 ? " pair" : " pairs"); };
  out << "n = " << pairs_text(effect.pairs) << "; " << a << " − " << b << ' ' << format_paired_difference(effect)
      << ", " << a << " higher in " << effect.wins << " of " << effect.pairs << ").";
  return out.str();
}

std::string too_few_pairs_sentence(std::size_t fewest_pairs) {
  const std::size_t needed = pairs_needed_one_sided();
  if (fewest_pairs == 0 || fewest_pairs >= needed) return "";
  std::ostringstream out;
  out << "With " << fewest_pairs << (fewest_pairs == 1 ? " pair" : " pairs") << " (the fewest above) no test can reach p < "
      << kSignificanceLevel << " (the smallest one-sided exact Wilcoxon p is 1/2^" << fewest_pairs << " = "
      << format_p_value(smallest_one_sided_exact_p(fewest_pairs)) << "; " << needed << " pairs can give "
      << format_p_value(smallest_one_sided_exact_p(needed)) << ").";
  return out.str();
}

}  // namespace due
