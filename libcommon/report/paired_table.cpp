#include "report/paired_table.h"

#include <algorithm>
#include <cstdint>
#include <sstream>

#include "report/paired_statistics.h"
#include "report/paired_text.h"
#include "report/tables.h"

namespace due {

std::string paired_comparison_table(const std::vector<RunGroup>& groups, const std::string& reference_method,
                                    const std::vector<std::string>& metric_keys) {
  const RunGroup* reference = plain_group_of(groups, reference_method);
  if (!reference || groups.size() < 2) return "";
  std::ostringstream out;
  out << "| Method | Pairs |";
  for (const std::string& key : metric_keys) {
    const std::string title = scalar_metric(key).title;
    out << " Δ " << title << " | Won | Wilcoxon p | Sign p |";
  }
  out << "\n| --- | ---: |";
  for (std::size_t m = 0; m < metric_keys.size(); ++m) out << " ---: | ---: | ---: | ---: |";
  out << '\n';
  std::size_t fewest_pairs = SIZE_MAX;
  bool approximate = false;
  for (const RunGroup& g : groups) {
    if (&g == reference) continue;
    std::ostringstream row;
    std::size_t pairs = 0;
    for (const std::string& key : metric_keys) {
      const PairedValues values = paired_values(g, *reference, key);
      const PairedComparison c = compare_paired(values.a, values.b);
      const bool tested = c.pairs >= kPairsForAnyTest;
      pairs = std::max(pairs, c.pairs);
      approximate = approximate || (!c.wilcoxon_exact && tested);
      row << ' ' << format_paired_difference(c) << " | " << c.wins << "/" << c.pairs << " | "
          << p_value_cell(c, c.wilcoxon_p) << " | " << p_value_cell(c, c.sign_test_p) << " |";
    }
    fewest_pairs = std::min(fewest_pairs, pairs);
    out << "| " << markdown_cell(g.label) << " | " << pairs << " |" << row.str() << '\n';
  }
  out << "\nEach method minus " << reference_method
      << ", run by run on the same data seed and classifier seed, every data seed pooled (Δ: mean ± sd of the "
         "differences; Won: pairs where the method is higher, out of the pairs). Wilcoxon: two-sided signed-rank "
         "test, exact"
      << (approximate ? " (normal approximation with the tie correction where magnitudes tie)" : "")
      << "; Sign: two-sided exact binomial sign test. With n pairs neither can go below 2/2^n (0.25 for 3, 0.0625 "
         "for 5): fewer than 6 pairs cannot show p < 0.05.";
  if (fewest_pairs < kPairsForAnyTest)
    out << " **Fewer than " << kPairsForAnyTest << " pairs for some rows: no test is reported there, and their "
           "differences are anecdotes, not evidence.**";
  out << '\n';
  return out.str();
}

}  // namespace due
