#pragma once
// The Ladder: what each part of DUE adds, one rung at a time, each rung against the rung below it on the same
// runs (data seed and classifier seed, every data seed pooled):
//   Baseline (no explanation loss)
//   -> Baseline+        + explanation loss on the sparse annotated slices
//   -> DUE-unweighted   + imputation of the missing slices (DUE's loss, every weight 1)
//   -> DUE              + uncertainty weights
// Each rung is its method's plain group (plain_group_of: DUE's default configuration, diffusion + npvae, when
// several are present). The tests are one-sided (the rung above is higher), as the claim lines'
// (report/claim_check.h), on IoU (volume).
#include <string>
#include <vector>

#include "report/aggregate.h"

namespace due {

// A Markdown table, one row per rung whose rung below was run too (Δ IoU (volume), Δ IoU (slice), Δ PR-AUC
// (AP), pairs won on IoU (volume), one-sided exact Wilcoxon and sign p), a note naming any rung not run, and a
// "What this shows" bullet per row in plain words. "" when no two consecutive rungs were run.
std::string ladder_section(const std::vector<RunGroup>& groups);

}  // namespace due
