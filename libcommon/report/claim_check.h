#pragma once
// The report's "what this shows" paragraph: the paper's claims about DUE checked against the runs at hand, in
// numbers, whatever they say. The paper (KDD 2024, Table 1) has DUE's explanation IoU well above Baseline's
// (33.3 vs 14.3 on LIDC), DUE above Baseline+ (its ablation without the uncertainty weights), and DUE's PR-AUC
// close to Baseline's. Here each becomes a check with a stated threshold:
//   - DUE's volume IoU at least twice Baseline's on every paired seed;
//   - DUE's mean volume IoU at least Baseline+'s;
//   - DUE's mean PR-AUC (AP) no more than 0.05 below Baseline's.
#include <string>
#include <vector>

#include "report/aggregate.h"

namespace due {

// A Markdown paragraph (a few bullet points) for the groups of one dataset; "" when there is no DUE group or no
// Baseline group. The first group of each method is used.
std::string claim_check_paragraph(const std::vector<RunGroup>& groups);

}  // namespace due
