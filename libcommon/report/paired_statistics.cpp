#include "report/paired_statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace due {
namespace {

constexpr std::size_t kExactWilcoxonLimit = 25;

}  // namespace

double sign_test_p_value(std::size_t wins, std::size_t losses, Alternative alternative) {
  const std::size_t n = wins + losses;
  if (n == 0) return 1.0;
  // C(n, i) / 2^n, in logs so n of a few hundred stays finite.
  const auto probability = [n](std::size_t i) {
    return std::exp(std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) - std::lgamma(double(n - i) + 1) -
                    double(n) * std::log(2.0));
  };
  double tail = 0;
  if (alternative == Alternative::greater) {
    for (std::size_t i = wins; i <= n; ++i) tail += probability(i);
    return std::min(1.0, tail);
  }
  for (std::size_t i = 0; i <= std::min(wins, losses); ++i) tail += probability(i);
  return std::min(1.0, 2.0 * tail);
}

double wilcoxon_signed_rank_p_value(const std::vector<double>& differences, bool* exact, Alternative alternative) {
  std::vector<double> d;
  for (double v : differences)
    if (std::isfinite(v) && v != 0.0) d.push_back(v);
  const std::size_t n = d.size();
  if (exact) *exact = true;
  if (n == 0) return 1.0;
  // Ranks of |d| (average ranks for ties).
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return std::abs(d[a]) < std::abs(d[b]); });
  std::vector<double> rank(n);
  bool ties = false;
  double tie_term = 0;  // sum over tie groups of t^3 - t
  for (std::size_t i = 0; i < n;) {
    std::size_t j = i;
    while (j + 1 < n && std::abs(d[order[j + 1]]) == std::abs(d[order[i]])) ++j;
    const double average = (double(i) + double(j)) / 2.0 + 1.0;
    for (std::size_t k = i; k <= j; ++k) rank[order[k]] = average;
    const double t = double(j - i + 1);
    if (t > 1) ties = true, tie_term += t * t * t - t;
    i = j + 1;
  }
  double positive_sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    if (d[i] > 0) positive_sum += rank[i];
  const double total = double(n) * double(n + 1) / 2.0;
  if (!ties && n <= kExactWilcoxonLimit) {
    // counts[s] = number of sign patterns whose positive ranks 1..n sum to s.
    const auto max_sum = static_cast<std::size_t>(total);
    std::vector<double> counts(max_sum + 1, 0.0);
    counts[0] = 1;
    for (std::size_t r = 1; r <= n; ++r)
      for (std::size_t s = max_sum; s >= r; --s) counts[s] += counts[s - r];
    const double patterns = std::pow(2.0, double(n));
    double tail = 0;
    if (alternative == Alternative::greater) {
      // P(W+ >= observed): the patterns whose positive ranks sum to at least as much.
      for (std::size_t s = 0; s <= max_sum; ++s)
        if (double(s) >= positive_sum - 1e-9) tail += counts[s];
      return std::min(1.0, tail / patterns);
    }
    const double statistic = std::min(positive_sum, total - positive_sum);
    for (std::size_t s = 0; double(s) <= statistic + 1e-9; ++s) tail += counts[s];
    return std::min(1.0, 2.0 * tail / patterns);
  }
  if (exact) *exact = false;
  const double mean = total / 2.0;
  const double variance = double(n) * double(n + 1) * double(2 * n + 1) / 24.0 - tie_term / 48.0;
  if (!(variance > 0)) return 1.0;
  const double z = (positive_sum - mean) / std::sqrt(variance);
  if (alternative == Alternative::greater) return 0.5 * std::erfc(z / std::sqrt(2.0));  // P(Z >= z)
  return std::min(1.0, std::erfc(std::abs(z) / std::sqrt(2.0)));
}

double smallest_one_sided_exact_p(std::size_t pairs) { return std::pow(0.5, double(pairs)); }

PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b, Alternative alternative) {
  if (a.size() != b.size()) throw std::invalid_argument("compare_paired: the two lists differ in length");
  PairedComparison c;
  c.alternative = alternative;
  std::vector<double> differences;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::isfinite(a[i]) && std::isfinite(b[i])) differences.push_back(a[i] - b[i]);
  c.pairs = differences.size();
  if (c.pairs == 0) {
    c.mean_difference = c.std_difference = std::numeric_limits<double>::quiet_NaN();
    return c;
  }
  double sum = 0;
  for (double v : differences) {
    sum += v;
    c.wins += v > 0;
    c.losses += v < 0;
  }
  c.mean_difference = sum / double(c.pairs);
  if (c.pairs < 2) {
    c.std_difference = std::numeric_limits<double>::quiet_NaN();
  } else {
    double squares = 0;
    for (double v : differences) squares += (v - c.mean_difference) * (v - c.mean_difference);
    c.std_difference = std::sqrt(squares / double(c.pairs - 1));
  }
  c.sign_test_p = sign_test_p_value(c.wins, c.losses, alternative);
  c.wilcoxon_p = wilcoxon_signed_rank_p_value(differences, &c.wilcoxon_exact, alternative);
  return c;
}

}  // namespace due
