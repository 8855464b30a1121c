#pragma once
// The report's "what this shows" paragraph: the paper's claims about DUE (KDD 2024, Table 1) tested on the runs
// at hand, each stated as shown or not shown with its p-value and effect, whatever the runs say:
//   - DUE's explanation IoU (volume) above Baseline's (33.3 vs 14.3 on LIDC in the paper);
//   - DUE's IoU (volume) above Baseline+'s (the explanation loss on the sparse annotated slices only);
//   - DUE's PR-AUC (AP) on par with Baseline's, tested as non-inferiority at a margin of 0.05;
//   - DUE's PR-AUC (AP) above each 2D method's present (HAICS, GRADIA, RES-G): 3D over 2D.
// Runs pair by data seed and classifier seed, every data seed pooled. The verdict is the one-sided (the paper's
// direction) exact Wilcoxon signed-rank test at p < 0.05, the one-sided sign test beside it
// (report/paired_text.h).
#include <string>
#include <vector>

#include "report/aggregate.h"

namespace due {

// PR-AUC may fall this far below Baseline's and still count as on par.
inline constexpr double kNonInferiorityMargin = 0.05;

// A verdict (a claim line, a rung of the Ladder) needs at least this many positives and this many negatives in
// the evaluated split of every run it compares: explanation IoU is a mean over the positives and PR-AUC needs
// both classes, so below these a "shown" would rest on a handful of samples (two LIDC patients once gave
// PR-AUC 1.000 from one positive and no negative).
inline constexpr std::size_t kMinTestPositives = 5;
inline constexpr std::size_t kMinTestNegatives = 5;

// "" when every run of `groups` has at least kMinTestPositives positives and kMinTestNegatives negatives in its
// evaluated split; else why a verdict on them is withheld, e.g. "the smallest evaluated split of these runs has
// 1 positive and 0 negatives, fewer than the 5 of each a verdict needs".
std::string too_few_test_samples(const std::vector<const RunGroup*>& groups);

// A Markdown paragraph for the groups of one dataset: every claim on DUE's plain group (its default
// configuration, diffusion + npvae, when present), then one line per other DUE configuration on the first
// claim (IoU above Baseline). Each line names the DUE configuration it checks. "" when there is no DUE group or
// none of the methods it is compared with.
std::string claim_check_paragraph(const std::vector<RunGroup>& groups);

}  // namespace due
