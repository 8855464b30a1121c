#pragma once
// Markdown tables of metrics summarised over seeds, like the paper's Table 1.
#include <cstddef>
#include <string>
#include <vector>

#include "report/aggregate.h"

namespace due {

// Text for a Markdown table cell: a bare '|' escaped.
std::string markdown_cell(const std::string& text);

// "0.812 ± 0.034"; "0.812" with one value; "n/a" without any.
std::string format_summary(const Summary& summary, int decimals = 3);

// Groups need this many seeds each before a table bolds a best mean.
inline constexpr std::size_t kSeedsToBold = 3;

// One row per group (its label and the number of seeds), one column per metric key (see scalar_metrics()),
// each cell the mean ± std over the group's runs; the best mean of each column in bold (every group that ties
// for it, at the shown precision) when every group has at least kSeedsToBold seeds. Higher is better for every
// metric it shows.
std::string summary_table(const std::vector<RunGroup>& groups, const std::vector<std::string>& metric_keys);

}  // namespace due
