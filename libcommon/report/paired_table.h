#pragma once
// The report's paired comparison: every method against a reference method (Baseline), run for run on the same
// data seed and classifier seed, with the difference's mean ± sd, the pairs won and two-sided paired tests
// (report/paired_statistics.h).
#include <string>
#include <vector>

#include "report/aggregate.h"

namespace due {

// One row per group other than the reference group (plain_group_of `reference_method`); for each metric key
// (scalar_metrics()) the columns: difference mean ± sd, pairs won out of the pairs, two-sided Wilcoxon and
// sign-test p-values. Runs pair by data seed and classifier seed (paired_values), every data seed pooled; runs
// only one side has are left out. Followed
// by a note on the tests and, where fewer than 3 pairs exist, a sentence saying no test is meaningful. "" when
// no group is the reference or no other group exists.
std::string paired_comparison_table(const std::vector<RunGroup>& groups, const std::string& reference_method,
                                    const std::vector<std::string>& metric_keys);

}  // namespace due
