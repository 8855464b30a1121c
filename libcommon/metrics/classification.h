#pragma once
// Classification metrics of a binary classifier: pure functions, scores and labels in, numbers out.
//
// Ranking metrics group tied scores into one threshold (so ties count half, as in the Mann-Whitney U and in
// scikit-learn). A metric that the data cannot define (ROC-AUC with one class absent, PR-AUC with no positive)
// is NaN, written as null in metrics.json; ratios of the argmax decision with an empty denominator are 0
// (scikit-learn's zero_division=0).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace due {

// Area under the ROC curve; NaN when either class is absent.
double roc_auc(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);
// Average precision: sum over thresholds of (R_k - R_{k-1}) * P_k, the step-wise area under the PR curve;
// NaN without positives.
double average_precision(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);
// Trapezoid area under the PR curve through its points and (recall 0, precision 1), as the published DUE code
// computes "PR-AUC" (sklearn's auc(recall, precision)); NaN without positives. Linear interpolation between PR
// points is optimistic, hence average_precision beside it.
double pr_auc_trapezoid(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels);

struct ConfusionCounts {
  std::size_t true_positive = 0, false_positive = 0, true_negative = 0, false_negative = 0;
};
ConfusionCounts confusion_counts(const std::vector<std::uint8_t>& predicted, const std::vector<std::uint8_t>& labels);

// numerator / denominator, 0 when the denominator is 0.
double ratio_or_zero(double numerator, double denominator);

struct ClassificationMetrics {
  std::size_t samples = 0, positives = 0;
  double accuracy = 0;
  double roc_auc = 0;
  double average_precision = 0;
  double pr_auc_trapezoid = 0;
  ConfusionCounts confusion;
  // At the argmax decision (class 1 = positive).
  double precision = 0, recall = 0, f1 = 0, specificity = 0;
};

// `scores`: probability of class 1; `predicted`: the argmax class; `labels`: the true class (0 or 1).
// std::invalid_argument when the sizes differ or a class code is not 0/1.
ClassificationMetrics classification_metrics(const std::vector<double>& scores,
                                             const std::vector<std::uint8_t>& predicted,
                                             const std::vector<std::uint8_t>& labels);

}  // namespace due
