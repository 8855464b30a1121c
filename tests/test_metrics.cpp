#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>

#include <nlohmann/json.hpp>

#include "metrics/classification.h"
#include "metrics/explanation.h"
#include "support.h"


namespace {

// Independent ROC-AUC: the Mann-Whitney statistic over all (positive, negative) pairs, ties counting half.
double pairwise_auc(const std::vector<double>& scores, const std::vector<std::uint8_t>& labels) {
  double wins = 0, pairs = 0;
  for (std::size_t i = 0; i < scores.size(); ++i)
    for (std::size_t j = 0; j < scores.size(); ++j)
      if (labels[i] == 1 && labels[j] == 0) {
        wins += scores[i] > scores[j] ? 1.0 : scores[i] == scores[j] ? 0.5 : 0.0;
        pairs += 1;
      }
  return wins / pairs;
}

// Independent PR curve: for each distinct threshold t (high to low), (recall, precision) of score >= t.
std::vector<std::pair<double, double>> thresholded_pr_points(const std::vector<double>& scores,
                                                             const std::vector<std::uint8_t>& labels) {
  std::vector<double> thresholds(scores);
  std::sort(thresholds.rbegin(), thresholds.rend());
  thresholds.erase(std::unique(thresholds.begin(), thresholds.end()), thresholds.end());
  double positives = 0;
  for (auto l : labels) positives += l;
  std::vector<std::pair<double, double>> points;
  for (double t : thresholds) {
    double tp = 0, selected = 0;
    for (std::size_t i = 0; i < scores.size(); ++i)
      if (scores[i] >= t) {
        selected += 1;
        tp += labels[i];
      }
    points.emplace_back(tp / positives, tp / selected);
  }
  return points;
}

double step_area(const std::vector<std::pair<double, double>>& points) {
  double area = 0, previous_recall = 0;
  for (const auto& [recall, precision] : points) {
    area += (recall - previous_recall) * precision;
    previous_recall = recall;
  }
  return area;
}

double trapezoid_area(std::vector<std::pair<double, double>> points) {
  points.insert(points.begin(), {0.0, 1.0});
  double area = 0;
  for (std::size_t k = 1; k < points.size(); ++k)
    area += (points[k].first - points[k - 1].first) * (points[k].second + points[k - 1].second) / 2;
  return area;
}

}  // namespace

TEST_CASE("metrics: ROC-AUC, average precision and trapezoid PR-AUC on hand-worked cases", "[metrics]") {
  // Scores 0.9 0.8 0.7 0.6 with labels 1 0 1 0: positive-negative pairs won 3 of 4.
  const std::vector<double> scores{0.9, 0.8, 0.7, 0.6};
  const std::vector<std::uint8_t> labels{1, 0, 1, 0};
  CHECK(due::roc_auc(scores, labels) == Approx(0.75));
  // PR points (recall, precision): (0.5, 1), (0.5, 0.5), (1, 2/3), (1, 0.5).
  CHECK(due::average_precision(scores, labels) == Approx(0.5 * 1 + 0.5 * 2.0 / 3));
  // Trapezoids from (0, 1): 0.5 * (1 + 1) / 2 + 0.5 * (0.5 + 2/3) / 2.
  CHECK(due::pr_auc_trapezoid(scores, labels) == Approx(0.5 + 0.5 * (0.5 + 2.0 / 3) / 2));

  // Ties: three samples share 0.5, so they form one threshold.
  const std::vector<double> tied{0.5, 0.5, 0.5, 0.2};
  CHECK(due::roc_auc(tied, labels) == Approx(0.75));  // 2 ties (0.5 each) + 2 wins, of 4 pairs
  CHECK(due::average_precision(tied, labels) == Approx(2.0 / 3));
  CHECK(due::pr_auc_trapezoid(tied, labels) == Approx((1 + 2.0 / 3) / 2));
  // Tied scores in another order give the same numbers.
  CHECK(due::roc_auc({0.5, 0.2, 0.5, 0.5}, {0, 0, 1, 1}) == Approx(0.75));
  CHECK(due::average_precision({0.5, 0.2, 0.5, 0.5}, {0, 0, 1, 1}) == Approx(2.0 / 3));

  // A perfect and a reversed ranking.
  CHECK(due::roc_auc({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}) == Approx(1.0));
  CHECK(due::roc_auc({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}) == Approx(0.0));
  CHECK(due::average_precision({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}) == Approx(1.0));
  // All scores equal: chance level; AP and the trapezoid from (0, 1) to (1, prevalence).
  CHECK(due::roc_auc({0.3, 0.3, 0.3, 0.3}, {0, 1, 0, 0}) == Approx(0.5));
  CHECK(due::average_precision({0.3, 0.3, 0.3, 0.3}, {0, 1, 0, 0}) == Approx(0.25));
  CHECK(due::pr_auc_trapezoid({0.3, 0.3, 0.3, 0.3}, {0, 1, 0, 0}) == Approx(0.625));
}

TEST_CASE("metrics: one class only leaves ROC-AUC (and PR-AUC without positives) undefined", "[metrics]") {
  CHECK(std::isnan(due::roc_auc({0.2, 0.7}, {1, 1})));
  CHECK(std::isnan(due::roc_auc({0.2, 0.7}, {0, 0})));
  CHECK(due::average_precision({0.2, 0.7}, {1, 1}) == Approx(1.0));
  CHECK(due::pr_auc_trapezoid({0.2, 0.7}, {1, 1}) == Approx(1.0));
  CHECK(std::isnan(due::average_precision({0.2, 0.7}, {0, 0})));
  CHECK(std::isnan(due::pr_auc_trapezoid({0.2, 0.7}, {0, 0})));
  CHECK(std::isnan(due::roc_auc({}, {})));

  const due::ClassificationMetrics negatives = due::classification_metrics({0.2, 0.7}, {0, 1}, {0, 0});
  CHECK(negatives.accuracy == Approx(0.5));
  CHECK(negatives.precision == 0.0);  // one predicted positive, false
  CHECK(negatives.recall == 0.0);     // no positives: 0 by convention
  CHECK(negatives.specificity == Approx(0.5));
  CHECK(negatives.positives == 0);
}

TEST_CASE("metrics: ranking metrics agree with independent computations on random tied scores", "[metrics]") {
  std::mt19937 random(7);
  for (int trial = 0; trial < 50; ++trial) {
    const std::size_t n = 5 + random() % 40;
    std::vector<double> scores(n);
    std::vector<std::uint8_t> labels(n);
    for (std::size_t i = 0; i < n; ++i) {
      scores[i] = static_cast<double>(random() % 6) / 5.0;  // six levels: many ties
      labels[i] = static_cast<std::uint8_t>(random() % 3 == 0);
    }
    labels[0] = 1;
    labels[1] = 0;
    INFO("trial " << trial);
    CHECK(due::roc_auc(scores, labels) == Approx(pairwise_auc(scores, labels)));
    const auto points = thresholded_pr_points(scores, labels);
    CHECK(due::average_precision(scores, labels) == Approx(step_area(points)));
    CHECK(due::pr_auc_trapezoid(scores, labels) == Approx(trapezoid_area(points)));
  }
}

TEST_CASE("metrics: the argmax decision's confusion counts and ratios", "[metrics]") {
  const due::ClassificationMetrics m =
      due::classification_metrics({0.9, 0.6, 0.3, 0.4, 0.8}, {1, 1, 0, 0, 1}, {1, 0, 0, 1, 1});
  CHECK(m.confusion.true_positive == 2);
  CHECK(m.confusion.false_positive == 1);
  CHECK(m.confusion.true_negative == 1);
  CHECK(m.confusion.false_negative == 1);
  CHECK(m.samples == 5);
  CHECK(m.positives == 3);
  CHECK(m.accuracy == Approx(0.6));
  CHECK(m.precision == Approx(2.0 / 3));
  CHECK(m.recall == Approx(2.0 / 3));
  CHECK(m.f1 == Approx(2.0 / 3));
  CHECK(m.specificity == Approx(0.5));

  // Nothing predicted positive: precision and F1 are 0, not NaN.
  const due::ClassificationMetrics silent = due::classification_metrics({0.1, 0.2}, {0, 0}, {1, 0});
  CHECK(silent.precision == 0.0);
  CHECK(silent.f1 == 0.0);
  CHECK(silent.specificity == 1.0);

  CHECK_THROWS_AS(due::classification_metrics({0.1}, {0, 1}, {1, 0}), std::invalid_argument);
  CHECK_THROWS_AS(due::classification_metrics({0.1, 0.2}, {0, 1}, {1, 2}), std::invalid_argument);
  CHECK_THROWS_AS(due::roc_auc({0.1, NAN}, {1, 0}), std::invalid_argument);
}

TEST_CASE("explanation metrics: counts and scores at two thresholds, by hand", "[metrics]") {
  const std::vector<float> cam{0.0f, 0.2f, 0.6f, 0.9f, 0.5f, 0.55f};
  const std::vector<std::uint8_t> mask{0, 1, 1, 1, 0, 0};
  const auto counts = due::overlap_counts(cam.data(), mask.data(), cam.size(), {0.0, 0.5});
  REQUIRE(counts.size() == 2);
  // cam > 0: voxels 1..5; inside the mask 1, 2, 3.
  CHECK(counts[0].true_positive == 3);
  CHECK(counts[0].false_positive == 2);
  CHECK(counts[0].false_negative == 0);
  // cam > 0.5 (strict: 0.5 itself is out): voxels 2, 3, 5.
  CHECK(counts[1].true_positive == 2);
  CHECK(counts[1].false_positive == 1);
  CHECK(counts[1].false_negative == 1);
  const due::OverlapScores s = due::overlap_scores(counts[1]);
  CHECK(s.iou == Approx(0.5));
  CHECK(s.precision == Approx(2.0 / 3));
  CHECK(s.recall == Approx(2.0 / 3));
  CHECK(s.f1 == Approx(2.0 / 3));

  // A CAM that covers the lesion and as much again outside it: recall 1, precision 1/2. (The published code's
  // precision would say 1 here.)
  const std::vector<float> wide{1, 1, 1, 1, 0, 0, 0, 0};
  const std::vector<std::uint8_t> lesion{1, 1, 0, 0, 0, 0, 0, 0};
  const due::OverlapScores w = due::overlap_scores(due::overlap_counts(wide.data(), lesion.data(), 8, {0.5})[0]);
  CHECK(w.recall == 1.0);
  CHECK(w.precision == Approx(0.5));
  CHECK(w.iou == Approx(0.5));
}

TEST_CASE("explanation metrics: empty CAMs and empty masks have defined scores", "[metrics]") {
  const std::vector<float> silent(8, 0.0f), loud(8, 1.0f);
  const std::vector<std::uint8_t> none(8, 0), some{0, 1, 1, 0, 0, 0, 0, 0};
  const auto score = [](const std::vector<float>& cam, const std::vector<std::uint8_t>& mask) {
    return due::overlap_scores(due::overlap_counts(cam.data(), mask.data(), cam.size(), {0.5})[0]);
  };
  const due::OverlapScores both_empty = score(silent, none);  // empty union: IoU 0 (the paper's rule)
  CHECK(both_empty.iou == 0.0);
  CHECK(both_empty.precision == 0.0);
  CHECK(both_empty.recall == 0.0);
  CHECK(both_empty.f1 == 0.0);
  const due::OverlapScores no_cam = score(silent, some);
  CHECK(no_cam.precision == 0.0);
  CHECK(no_cam.recall == 0.0);
  const due::OverlapScores no_mask = score(loud, none);
  CHECK(no_mask.iou == 0.0);
  CHECK(no_mask.precision == 0.0);
  CHECK(no_mask.recall == 0.0);
  const due::OverlapScores exact = score(loud, std::vector<std::uint8_t>(8, 1));
  CHECK(exact.iou == 1.0);
  CHECK(exact.f1 == 1.0);
}

TEST_CASE("explanation metrics: the one-pass sweep matches thresholding each level separately", "[metrics]") {
  std::mt19937 random(11);
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  const std::vector<double> thresholds{0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> cam(300);
    std::vector<std::uint8_t> mask(300);
    for (std::size_t v = 0; v < cam.size(); ++v) {
      // A tenth of the voxels sit exactly on a threshold, where strictness matters.
      cam[v] = random() % 10 == 0 ? static_cast<float>(thresholds[random() % 10]) : uniform(random);
      mask[v] = static_cast<std::uint8_t>(random() % 4 == 0);
    }
    const auto counts = due::overlap_counts(cam.data(), mask.data(), cam.size(), thresholds);
    for (std::size_t k = 0; k < thresholds.size(); ++k) {
      std::uint64_t tp = 0, fp = 0, fn = 0;
      for (std::size_t v = 0; v < cam.size(); ++v) {
        const bool on = static_cast<double>(cam[v]) > thresholds[k];
        tp += on && mask[v];
        fp += on && !mask[v];
        fn += !on && mask[v];
      }
      CHECK(counts[k].true_positive == tp);
      CHECK(counts[k].false_positive == fp);
      CHECK(counts[k].false_negative == fn);
    }
  }
  const std::vector<float> cam{0.5f};
  const std::vector<std::uint8_t> mask{1};
  CHECK_THROWS_AS(due::overlap_counts(cam.data(), mask.data(), 1, {0.5, 0.2}), std::invalid_argument);
  CHECK_THROWS_AS(due::overlap_counts(cam.data(), mask.data(), 1, {0.2, 0.2}), std::invalid_argument);
}

TEST_CASE("explanation metrics: the accumulator averages per sample", "[metrics]") {
  due::ExplanationAccumulator accumulator({0.0, 0.5}, 0.5);
  const std::vector<float> first{0.9f, 0.9f, 0.1f, 0.1f};   // at 0.5: TP 1, FP 1 -> IoU 1/2
  const std::vector<std::uint8_t> first_mask{1, 0, 0, 0};
  const std::vector<float> second{0.9f, 0.9f, 0.9f, 0.9f};  // at 0.5: all of 4, mask 1 voxel -> IoU 1/4
  const std::vector<std::uint8_t> second_mask{0, 0, 1, 0};
  accumulator.add(first.data(), first_mask.data(), 4);
  accumulator.add(second.data(), second_mask.data(), 4);
  const due::ExplanationScores reported = accumulator.reported();
  CHECK(reported.samples == 2);
  CHECK(reported.threshold == 0.5);
  CHECK(reported.mean.iou == Approx((0.5 + 0.25) / 2));  // the mean of per-sample IoUs, not pooled counts (2/6)
  CHECK(reported.mean.recall == Approx(1.0));
  REQUIRE(accumulator.per_sample().size() == 2);
  CHECK(accumulator.per_sample()[1].precision == Approx(0.25));
  const auto sweep = accumulator.sweep();
  REQUIRE(sweep.size() == 2);
  CHECK(sweep[0].threshold == 0.0);
  CHECK(sweep[0].mean.iou == Approx((0.25 + 0.25) / 2));  // at 0: every voxel of both
  CHECK_THROWS_AS(due::ExplanationAccumulator({0.0, 0.5}, 0.3), std::invalid_argument);
  CHECK(std::isnan(due::ExplanationAccumulator({0.5}, 0.5).reported().mean.iou));
}

TEST_CASE("metrics: agree with scikit-learn on random cases", "[metrics][sklearn]") {
  // Debian's python3-sklearn (scripts/install-deps.sh), run by the system interpreter on purpose.
  std::mt19937 random(23);
  nlohmann::json cases = {{"classification", nlohmann::json::array()}, {"explanation", nlohmann::json::array()}};
  std::vector<due::ClassificationMetrics> ours;
  for (int trial = 0; trial < 30; ++trial) {
    const std::size_t n = 4 + random() % 60;
    std::vector<double> scores(n);
    std::vector<std::uint8_t> labels(n), predicted(n);
    for (std::size_t i = 0; i < n; ++i) {
      labels[i] = static_cast<std::uint8_t>(random() % 4 == 0);
      // Scores on a coarse grid (ties) and correlated with the label.
      scores[i] = std::min(1.0, static_cast<double>(random() % 8) / 10.0 + (labels[i] ? 0.2 : 0.0));
      predicted[i] = static_cast<std::uint8_t>(trial % 5 == 0 ? 0 : scores[i] > 0.5);  // some never predict 1
    }
    labels[0] = 1;
    labels[1] = 0;
    ours.push_back(due::classification_metrics(scores, predicted, labels));
    cases["classification"].push_back({{"scores", scores}, {"labels", labels}, {"predicted", predicted}});
  }
  const std::vector<double> thresholds{0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9};
  std::vector<std::vector<due::OverlapCounts>> counts;
  for (int trial = 0; trial < 12; ++trial) {
    std::vector<float> cam(64);
    std::vector<std::uint8_t> mask(64);
    for (std::size_t v = 0; v < cam.size(); ++v) {
      cam[v] = static_cast<float>(random() % 11) / 10.0f;  // values on the thresholds too
      mask[v] = static_cast<std::uint8_t>(trial % 4 != 3 && random() % 3 == 0);  // every 4th mask empty
    }
    if (trial % 4 == 2) std::fill(cam.begin(), cam.end(), 0.0f);  // an empty CAM at every threshold
    counts.push_back(due::overlap_counts(cam.data(), mask.data(), cam.size(), thresholds));
    cases["explanation"].push_back({{"cam", cam}, {"mask", mask}, {"thresholds", thresholds}});
  }
  due::test::ScratchDir dir;
  due::test::write_text(dir.file("cases.json"), cases.dump());
  const auto result = due::test::run_command("/usr/bin/python3 " + std::string(DUE_SOURCE_DIR) +
                                             "/tests/sklearn_metrics.py " + dir.file("cases.json"));
  INFO(result.output.substr(0, 2000));
  REQUIRE(result.exit_code == 0);
  const nlohmann::json theirs = nlohmann::json::parse(result.output);
  for (std::size_t k = 0; k < ours.size(); ++k) {
    INFO("classification case " << k);
    const nlohmann::json& t = theirs["classification"][k];
    CHECK(ours[k].accuracy == Approx(t["accuracy"].get<double>()));
    CHECK(ours[k].roc_auc == Approx(t["roc_auc"].get<double>()));
    CHECK(ours[k].average_precision == Approx(t["average_precision"].get<double>()));
    CHECK(ours[k].pr_auc_trapezoid == Approx(t["pr_auc_trapezoid"].get<double>()));
    CHECK(ours[k].precision == Approx(t["precision"].get<double>()));
    CHECK(ours[k].recall == Approx(t["recall"].get<double>()));
    CHECK(ours[k].f1 == Approx(t["f1"].get<double>()));
    CHECK(ours[k].specificity == Approx(t["specificity"].get<double>()));
  }
  for (std::size_t k = 0; k < counts.size(); ++k) {
    for (std::size_t j = 0; j < thresholds.size(); ++j) {
      INFO("explanation case " << k << " threshold " << thresholds[j]);
      const nlohmann::json& t = theirs["explanation"][k][j];
      const due::OverlapScores s = due::overlap_scores(counts[k][j]);
      CHECK(s.iou == Approx(t["iou"].get<double>()));
      CHECK(s.precision == Approx(t["precision"].get<double>()));
      CHECK(s.recall == Approx(t["recall"].get<double>()));
      CHECK(s.f1 == Approx(t["f1"].get<double>()));
    }
  }
}
