#pragma once
// Ranking metrics of a binary classifier's scores: ROC-AUC, average precision and the trapezoid PR-AUC (the
// figure the published code calls PR-AUC). Tied scores form one threshold, as in scikit-learn.
#include <cstdint>
#include <vector>

namespace due {

// Probability that a random positive scores above a random negative, ties counting one half (the Mann-Whitney
// statistic; equal to the trapezoid area under the ROC curve). NaN unless both classes are present.
double roc_auc(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);

// Sum over the distinct thresholds, highest first, of (R_k - R_{k-1}) * P_k (scikit-learn's
// average_precision_score). NaN without positives.
double average_precision(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);

// Trapezoid area under the precision-recall curve through the points of the distinct thresholds plus
// (recall 0, precision 1) (scikit-learn's auc(recall, precision) of precision_recall_curve, as the published
// code computes PR-AUC). NaN without positives.
double pr_auc_trapezoid(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);

}  // namespace due
