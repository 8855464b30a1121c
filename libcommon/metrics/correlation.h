#pragma once
// Correlations over paired samples (uncertainty against uncertainty, uncertainty against
// error). Ties get average ranks, so heavily tied data (most voxels of a gap have no variance) score correctly.
#include <vector>

namespace due {

// Pearson's r; NaN when a side is constant or the sizes differ or are below 2.
double pearson_correlation(const std::vector<double>& x, const std::vector<double>& y);

// 1-based ranks, ties sharing the mean of the ranks they span.
std::vector<double> average_ranks(const std::vector<double>& values);

// Spearman's rho: Pearson's r of the average ranks.
double spearman_correlation(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace due
