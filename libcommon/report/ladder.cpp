#include "report/ladder.h"

#include <algorithm>
#include <cstdint>
#include <sstream>

#include "report/claim_check.h"
#include "report/paired_statistics.h"
#include "report/paired_text.h"
#include "report/tables.h"

namespace due {
namespace {

struct Rung {
  std::string method;
  std::string adds;      // over the rung below, for the table
  std::string question;  // the question its row answers, for "What this shows"
};

const std::vector<Rung>& rungs() {
  static const std::vector<Rung> ladder{
      {"baseline", "", ""},
      {"baseline-plus", "+ explanation loss on the sparse annotated slices",
       "Does the explanation loss on the sparse slices help over none"},
      {"due-unweighted", "+ imputation of the missing slices", "Does imputation help over the sparse annotation"},
      {"due", "+ uncertainty weights", "Do the weights help over uniform weights"}};
  return ladder;
}

// The metric a rung's verdict is on; the other Δ columns are context.
const std::string kVerdictMetric = "iou_volume";
const std::vector<std::string> kDifferenceMetrics{"iou_volume", "iou_slice", "average_precision"};

}  // namespace

std::string ladder_section(const std::vector<RunGroup>& groups) {
  std::vector<const RunGroup*> run_rungs;
  for (const Rung& rung : rungs()) run_rungs.push_back(plain_group_of(groups, rung.method));
  std::ostringstream table, answers;
  std::string missing;
  std::size_t rows = 0, fewest_pairs = SIZE_MAX;
  for (std::size_t r = 0; r < rungs().size(); ++r) {
    if (!run_rungs[r]) missing += (missing.empty() ? "" : ", ") + method_display_name(rungs()[r].method);
    if (r == 0 || !run_rungs[r] || !run_rungs[r - 1]) continue;
    const RunGroup &upper = *run_rungs[r], &lower = *run_rungs[r - 1];
    const std::string upper_name = configuration_name(upper), lower_name = configuration_name(lower);
    table << "| " << markdown_cell(upper_name) << " | " << markdown_cell(lower_name) << " | " << rungs()[r].adds
          << " |";
    PairedComparison verdict_comparison;
    for (const std::string& key : kDifferenceMetrics) {
      const PairedValues values = paired_values(upper, lower, key);
      const PairedComparison c = compare_paired(values.a, values.b, Alternative::greater);
      if (key == kVerdictMetric) verdict_comparison = c;
      table << ' ' << format_paired_difference(c) << " |";
    }
    const PairedComparison& c = verdict_comparison;
    if (c.pairs > 0) fewest_pairs = std::min(fewest_pairs, c.pairs);
    table << ' ' << c.wins << "/" << c.pairs << " | " << p_value_cell(c, c.wilcoxon_p) << " | "
          << p_value_cell(c, c.sign_test_p) << " |\n";
    const std::string withheld = too_few_test_samples({&upper, &lower});
    answers << "- " << rungs()[r].question << " (" << upper_name << " over " << lower_name << ", "
            << scalar_metric(kVerdictMetric).title << ")? "
            << (withheld.empty() ? claim_verdict(c, c, method_display_name(rungs()[r].method),
                                                 method_display_name(rungs()[r - 1].method), "yes", "not shown here")
                                 : "withheld: " + withheld + ".")
            << "\n";
    ++rows;
  }
  if (rows == 0) return "";
  std::ostringstream out;
  out << "| Rung | Over | Adds |";
  for (const std::string& key : kDifferenceMetrics) out << " Δ " << scalar_metric(key).title << " |";
  out << " Won (" << scalar_metric(kVerdictMetric).title << ") | Wilcoxon p | Sign p |\n"
      << "| --- | --- | --- |";
  for (std::size_t m = 0; m < kDifferenceMetrics.size(); ++m) out << " ---: |";
  out << " ---: | ---: | ---: |\n"
      << table.str()
      << "\nEach rung minus the rung below it, run by run on the same data seed and classifier seed (Δ: mean ± sd "
         "of the differences; Won: pairs where the rung is higher, out of the pairs). p: one-sided (the rung "
         "higher) exact Wilcoxon signed-rank and sign tests on " << scalar_metric(kVerdictMetric).title
      << ", none below " << kPairsForAnyTest << " pairs.";
  if (!missing.empty())
    out << " Not run here: " << missing << "; the rows that need "
        << (missing.find(',') == std::string::npos ? "it" : "them") << " are left out.";
  out << "\n\n**What this shows**, rung by rung (yes only at p < " << kSignificanceLevel << ", which takes "
      << pairs_needed_one_sided() << " pairs at least):\n\n"
      << answers.str();
  const std::string too_few = too_few_pairs_sentence(fewest_pairs == SIZE_MAX ? 0 : fewest_pairs);
  if (!too_few.empty()) out << "\n" << too_few << "\n";
  return out.str();
}

}  // namespace due
