#include "report/claim_check.h"

#include <algorithm>
#include <cstdint>
#include <sstream>

#include "report/paired_statistics.h"
#include "report/paired_text.h"

namespace due {
namespace {

struct Claim {
  std::string rival_method;
  std::string metric_key;
  std::string stated;  // what the paper says, after "<DUE> vs <rival>, <metric>: "
  double margin = 0;   // > 0: non-inferiority, a - b + margin tested above 0
};

std::vector<Claim> paper_claims() {
  std::ostringstream margin_text;
  margin_text << kNonInferiorityMargin;
  const std::string margin = margin_text.str();
  std::vector<Claim> claims{
      {"baseline", "iou_volume", "DUE higher", 0},
      {"baseline-plus", "iou_volume", "DUE higher", 0},
      {"baseline", "average_precision",
       "on par, tested as non-inferiority at a margin of " + margin + " (shown when DUE − Baseline + " + margin +
           " is significantly above 0)",
       kNonInferiorityMargin}};
  for (const std::string two_d : {"haics", "gradia", "res-g"})
    claims.push_back({two_d, "average_precision", "DUE higher (3D over 2D)", 0});
  return claims;
}

// "- <DUE> vs <rival>, <metric>: <stated>: **shown** (...)."; "" when the rival was not run. Lowers `fewest_pairs`
// to the line's pair count when it has any.
std::string claim_line(const RunGroup& due, const std::vector<RunGroup>& groups, const Claim& claim,
                       std::size_t& fewest_pairs) {
  const RunGroup* rival = plain_group_of(groups, claim.rival_method);
  if (!rival) return "";
  const std::string withheld = too_few_test_samples({&due, rival});
  if (!withheld.empty())
    return "- " + configuration_name(due) + " vs " + configuration_name(*rival) + ", " +
           scalar_metric(claim.metric_key).title + ": " + claim.stated + ": **withheld**: " + withheld + ".\n";
  const PairedValues values = paired_values(due, *rival, claim.metric_key);
  std::vector<double> lowered = values.b;
  for (double& v : lowered) v -= claim.margin;
  const PairedComparison effect = compare_paired(values.a, values.b, Alternative::greater);
  const PairedComparison test = compare_paired(values.a, lowered, Alternative::greater);
  if (effect.pairs > 0) fewest_pairs = std::min(fewest_pairs, effect.pairs);
  // The line names both configurations; the effect, after them, the methods.
  const std::string verdict = claim_verdict(test, effect, method_display_name("due"),
                                            method_display_name(claim.rival_method), "**shown**", "**not shown**");
  return "- " + configuration_name(due) + " vs " + configuration_name(*rival) + ", " +
         scalar_metric(claim.metric_key).title + ": " + claim.stated + ": " + verdict + "\n";
}

}  // namespace

std::string too_few_test_samples(const std::vector<const RunGroup*>& groups) {
  std::size_t positives = SIZE_MAX, negatives = SIZE_MAX;
  for (const RunGroup* group : groups) {
    for (const MetricsRecord* run : group->runs) {
      const ClassificationMetrics& c = run->classification;
      positives = std::min(positives, c.positives);
      negatives = std::min(negatives, c.samples - std::min(c.samples, c.positives));
    }
  }
  if (positives == SIZE_MAX || (positives >= kMinTestPositives && negatives >= kMinTestNegatives)) return "";
  std::ostringstream out;
  out << "the smallest evaluated split of these runs has " << positives << (positives == 1 ? " positive" : " positives")
      << " and " << negatives << (negatives == 1 ? " negative" : " negatives") << ", fewer than the ";
  if (kMinTestPositives == kMinTestNegatives)
    out << kMinTestPositives << " of each";
  else
    out << kMinTestPositives << " positives and " << kMinTestNegatives << " negatives";
  out << " a verdict needs";
  return out.str();
}

std::string claim_check_paragraph(const std::vector<RunGroup>& groups) {
  const RunGroup* due = plain_group_of(groups, "due");
  if (!due) return "";
  const std::vector<Claim> claims = paper_claims();
  std::size_t fewest_pairs = SIZE_MAX;
  std::string lines;
  for (const Claim& claim : claims) lines += claim_line(*due, groups, claim, fewest_pairs);
  if (lines.empty()) return "";
  std::string others;
  for (const RunGroup& g : groups)
    if (&g != due && g.runs.front()->tag("method") == "due")
      others += claim_line(g, groups, claims.front(), fewest_pairs);
  const std::string too_few = too_few_pairs_sentence(fewest_pairs == SIZE_MAX ? 0 : fewest_pairs);

  std::ostringstream out;
  out << "**What this shows**: the paper's claims about DUE, tested on these runs paired by data seed and "
         "classifier seed (every data seed pooled). Each verdict is the one-sided exact Wilcoxon signed-rank test "
         "in the paper's direction at p < " << kSignificanceLevel << " (which takes " << pairs_needed_one_sided()
      << " pairs at least: with n pairs no one-sided exact p is below 1/2^n), with the one-sided exact sign test "
         "beside it; \"not shown\" means these runs do not establish the claim, not that it is false. A verdict "
         "needs at least "
      << kMinTestPositives << " positives and " << kMinTestNegatives
      << " negatives in the evaluated split of every run it compares, or it is withheld. Checked on "
      << configuration_name(*due);
  const bool tagged = due->key.count("interpolator") && due->key.count("uncertainty");
  if (tagged && in_default_configuration(*due))
    out << ", DUE's default configuration";
  else if (tagged)
    out << " (no run of DUE's default configuration, " << kDefaultInterpolator << " + " << kDefaultUncertainty
        << ", is here)";
  out << (others.empty() ? "" : "; the other DUE configurations on the first claim after it") << ".\n\n"
      << lines << others << (too_few.empty() ? "" : "\n" + too_few + "\n");
  return out.str();
}

}  // namespace due
