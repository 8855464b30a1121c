#include "report/paired_statistics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace due {
namespace {

constexpr std::size_t kExactWilcoxonLimit = 25;

}  // namespace

double sign_test_p_value(std::size_t wins, std::size_t losses) {
  const std::size_t n = wins + losses;
  if (n == 0) return 1.0;
  const std::size_t k = std::min(wins, losses);
  // sum_{i <= k} C(n, i) / 2^n, in logs so n of a few hundred stays finite.
  double tail = 0;
  for (std::size_t i = 0; i <= k; ++i)
    tail += std::exp(std::lgamma(double(n) + 1) - std::lgamma(double(i) + 1) - std::lgamma(double(n - i) + 1) -
                     double(n) * std::log(2.0));
  return std::min(1.0, 2.0 * tail);
}

double wilcoxon_signed_rank_p_value(const std::vector<double>& differences, bool* exact) {
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
    const double statistic = std::min(positive_sum, total - positive_sum);
    double tail = 0;
    for (std::size_t s = 0; double(s) <= statistic + 1e-9; ++s) tail += counts[s];
    return std::min(1.0, 2.0 * tail / std::pow(2.0, double(n)));
  }
  if (exact) *exact = false;
  const double mean = total / 2.0;
  const double variance = double(n) * double(n + 1) * double(2 * n + 1) / 24.0 - tie_term / 48.0;
  if (!(variance > 0)) return 1.0;
  const double z = std::abs(positive_sum - mean) / std::sqrt(variance);
  return std::min(1.0, std::erfc(z / std::sqrt(2.0)));
}

PairedComparison compare_paired(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("compare_paired: the two lists differ in length");
  PairedComparison c;
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
  c.sign_test_p = sign_test_p_value(c.wins, c.losses);
  c.wilcoxon_p = wilcoxon_signed_rank_p_value(differences, &c.wilcoxon_exact);
  return c;
}

}  // namespace due
