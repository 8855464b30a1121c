#pragma once
// Correlation and ranking figures over paired samples (uncertainty against uncertainty, uncertainty against
// error). Ties get average ranks, so heavily tied data (most voxels of a gap have no variance) score correctly.
#include <cstdint>
#include <vector>

namespace due {

// Pearson's r; NaN when a side is constant or the sizes differ or are below 2.
double pearson_correlation(const std::vector<double>& x, const std::vector<double>& y);

// 1-based ranks, ties sharing the mean of the ranks they span.
std::vector<double> average_ranks(const std::vector<double>& values);

// Spearman's rho: Pearson's r of the average ranks.
double spearman_correlation(const std::vector<double>& x, const std::vector<double>& y);

// Area under the ROC curve of `scores` for `positive` (nonzero = positive): the probability that a random
// positive scores above a random negative, ties counting one half (Mann-Whitney U / (P N)). NaN when either class
// is empty.
double roc_auc(const std::vector<double>& scores, const std::vector<std::uint8_t>& positive);

}  // namespace due
