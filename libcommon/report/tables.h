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

// Whether a group run on several data draws also gets a row per draw under its pooled row.
enum class DataSeedRows { pooled_only, beside_pooled };

// One row per group (its label and the number of runs), one column per metric key (see scalar_metrics()),
// each cell the mean ± std over the group's runs; the best mean of each column in bold (every group that ties
// for it, at the shown precision) when every group has at least kSeedsToBold runs. Higher is better for every
// metric it shows. With DataSeedRows::beside_pooled, a group with several data seeds is followed by one row
// per data seed (split_by_data_seed: mean ± std over that draw's classifier seeds), never bold, and a sentence
// under the table says how to read them; with one data seed everywhere the table is the same either way.
std::string summary_table(const std::vector<RunGroup>& groups, const std::vector<std::string>& metric_keys,
                          DataSeedRows data_seed_rows = DataSeedRows::pooled_only);

}  // namespace due
