// Paired comparisons over seeds (report/paired_statistics.h): hand-worked cases, and scipy.stats as the
// independent implementation (Debian's python3-scipy, which python3-sklearn pulls in).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <sstream>

#include "report/aggregate.h"
#include "report/claim_check.h"
#include "report/metrics_file.h"
#include "report/paired_statistics.h"
#include "report/paired_table.h"
#include "support.h"

TEST_CASE("paired statistics: sign test and exact Wilcoxon by hand", "[paired-statistics]") {
  // Sign test: 3 wins of 3: 2 * (1/8). 5 of 6: 2 * (1 + 6) / 64. 0 of 0: 1.
  CHECK(due::sign_test_p_value(3, 0) == Approx(0.25));
  CHECK(due::sign_test_p_value(5, 1) == Approx(14.0 / 64.0));
  CHECK(due::sign_test_p_value(2, 2) == 1.0);
  CHECK(due::sign_test_p_value(0, 0) == 1.0);
  // Wilcoxon, 3 differences all positive: W+ = 6 of 6; only 1 of the 8 sign patterns reaches W- = 0, times 2.
  bool exact = false;
  CHECK(due::wilcoxon_signed_rank_p_value({0.1, 0.3, 0.2}, &exact) == Approx(0.25));
  CHECK(exact);
  // {0.1, 0.2, -0.05}: ranks 2, 3, 1; W- = 1; patterns with a sum <= 1: {} and {1}: 2 of 8, times 2.
  CHECK(due::wilcoxon_signed_rank_p_value({0.1, 0.2, -0.05}) == Approx(0.5));
  // Zeros are dropped; nothing left gives 1.
  CHECK(due::wilcoxon_signed_rank_p_value({0.0, 0.0}) == 1.0);
  CHECK(due::wilcoxon_signed_rank_p_value({0.0, 0.1, 0.3, 0.2}) == Approx(0.25));
}

TEST_CASE("paired statistics: one-sided sign and Wilcoxon tests by hand", "[paired-statistics]") {
  using due::Alternative;
  // Sign test, P(X >= wins) under Binomial(n, 1/2): 3 of 3: 1/8. 5 of 6: (6 + 1) / 64. 1 of 6: 1 - 1/64.
  CHECK(due::sign_test_p_value(3, 0, Alternative::greater) == Approx(0.125));
  CHECK(due::sign_test_p_value(5, 1, Alternative::greater) == Approx(7.0 / 64.0));
  CHECK(due::sign_test_p_value(1, 5, Alternative::greater) == Approx(63.0 / 64.0));
  CHECK(due::sign_test_p_value(0, 0, Alternative::greater) == 1.0);
  // Wilcoxon, P(W+ >= observed): all 3 positive, W+ = 6: only the all-positive pattern, 1/8 (half the
  // two-sided 0.25). All 10 positive: 1/1024.
  bool exact = false;
  CHECK(due::wilcoxon_signed_rank_p_value({0.1, 0.3, 0.2}, &exact, Alternative::greater) == Approx(0.125));
  CHECK(exact);
  CHECK(due::wilcoxon_signed_rank_p_value({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0}, nullptr,
                                          Alternative::greater) == Approx(1.0 / 1024.0));
  CHECK(due::smallest_one_sided_exact_p(10) == Approx(1.0 / 1024.0));
  // {0.1, 0.2, -0.05}: ranks 2, 3, 1, W+ = 5; subsets of {1, 2, 3} summing to 5 or more: {2, 3}, {1, 2, 3}.
  CHECK(due::wilcoxon_signed_rank_p_value({0.1, 0.2, -0.05}, nullptr, Alternative::greater) == Approx(2.0 / 8.0));
  // All in the other direction: W+ = 0, every pattern reaches it.
  CHECK(due::wilcoxon_signed_rank_p_value({-0.1, -0.2, -0.3}, nullptr, Alternative::greater) == 1.0);
  // Six pairs, the smallest one negative: W+ = 2+3+4+5+6 = 20; P(W+ >= 20) = P(W+ <= 1) = |{{}, {1}}| / 64.
  // The sign test sees only 5 wins of 6: 7/64. The verdict's test (Wilcoxon) uses the magnitudes.
  const auto c = due::compare_paired({0.2, 0.3, 0.4, 0.5, 0.6, 0.0}, {0.0, 0.0, 0.0, 0.0, 0.0, 0.1},
                                     Alternative::greater);
  CHECK(c.alternative == Alternative::greater);
  CHECK(c.wilcoxon_p == Approx(2.0 / 64.0));
  CHECK(c.sign_test_p == Approx(7.0 / 64.0));
  // Tied magnitudes, normal approximation: {0.5, 0.5, 0.25} ranks 2.5, 2.5, 1, W+ = 6, mean 3, variance
  // 3*4*7/24 - (8 - 2)/48 = 3.375; one-sided P(Z >= 3/sqrt(3.375)).
  CHECK(due::wilcoxon_signed_rank_p_value({0.5, 0.5, 0.25}, &exact, Alternative::greater) ==
        Approx(0.5 * std::erfc(3.0 / std::sqrt(3.375) / std::sqrt(2.0))));
  CHECK_FALSE(exact);
}

TEST_CASE("paired statistics: the comparison of two methods over seeds", "[paired-statistics]") {
  // DUE vs Baseline on 4 seeds, one missing on the baseline's side (NaN): 3 pairs.
  const double nan = std::nan("");
  // Binary fractions, so the differences 0.25, 0.125, 0.25 are exact and two magnitudes truly tie.
  const auto c = due::compare_paired({0.75, 0.5, 0.75, 0.9}, {0.5, 0.375, 0.5, nan});
  CHECK(c.pairs == 3);
  CHECK(c.mean_difference == Approx(0.625 / 3));
  // deviations 1/24, -1/12, 1/24: variance (2/576 + 1/144) / 2 = 1/192
  CHECK(c.std_difference == Approx(std::sqrt(1.0 / 192)));
  CHECK(c.wins == 3);
  CHECK(c.losses == 0);
  CHECK(c.sign_test_p == Approx(0.25));
  // The magnitudes 0.2, 0.1, 0.2 tie: the normal approximation, W+ = 6, mean 3, variance 14/4 - 6/48.
  CHECK_FALSE(c.wilcoxon_exact);
  CHECK(c.wilcoxon_p == Approx(std::erfc(3.0 / std::sqrt(3.5 - 0.125) / std::sqrt(2.0))));
  CHECK_THROWS(due::compare_paired({1.0}, {1.0, 2.0}));
}

TEST_CASE("paired statistics: agree with scipy.stats", "[paired-statistics][sklearn]") {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> normal(0.05, 0.1);
  // Tie-free cases: exact (n <= 25) against scipy's exact mode, and n = 40 against its normal approximation;
  // each two-sided and one-sided (greater).
  std::vector<std::vector<double>> cases;
  for (std::size_t n : {4, 7, 12, 20, 40}) {
    std::vector<double> d(n);
    for (double& v : d) v = normal(rng);
    cases.push_back(d);
  }
  cases.push_back({0.1, 0.1, 0.2, -0.3, 0.4, 0.5, 0.6, -0.2, 0.2});  // tied magnitudes: approximation
  cases.push_back({-0.3, -0.1, 0.05, -0.2, -0.4, -0.15});            // the other way: one-sided p near 1
  std::ostringstream script;
  script.precision(17);
  script << "import scipy.stats as st\nfor d in [";
  for (const auto& d : cases) {
    script << "[";
    for (double v : d) script << v << ",";
    script << "],";
  }
  script << "]:\n"
            "  ties = len(set(abs(x) for x in d)) < len(d)\n"
            "  mode = 'approx' if ties or len(d) > 25 else 'exact'\n"
            "  pos = sum(1 for x in d if x > 0); neg = sum(1 for x in d if x < 0)\n"
            "  for alternative in ['two-sided', 'greater']:\n"
            "    w = st.wilcoxon(d, mode=mode, correction=False, alternative=alternative).pvalue\n"
            "    print(repr(w), repr(st.binomtest(pos, pos + neg, alternative=alternative).pvalue))\n";
  due::test::ScratchDir dir;
  due::test::write_text(dir.file("check.py"), script.str());
  const auto result = due::test::run_command("/usr/bin/python3 -W ignore " + dir.file("check.py"));
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  std::istringstream lines(result.output);
  for (const auto& d : cases) {
    for (const due::Alternative alternative : {due::Alternative::two_sided, due::Alternative::greater}) {
      double wilcoxon = 0, sign = 0;
      REQUIRE(lines >> wilcoxon >> sign);
      INFO(d.size() << (alternative == due::Alternative::greater ? " greater" : " two-sided"));
      const auto c = due::compare_paired(d, std::vector<double>(d.size(), 0.0), alternative);
      CHECK(c.wilcoxon_p == Approx(wilcoxon).epsilon(1e-9));
      CHECK(c.sign_test_p == Approx(sign).epsilon(1e-9));
    }
  }
}

namespace {

// A run with the given IoU (volume; its slice IoU half of it) and PR-AUC (AP); `tags` add to or replace the
// dataset, method and seed tags.
due::MetricsRecord run(const std::string& method, int seed, double iou, double average_precision,
                       const std::map<std::string, std::string>& tags = {}) {
  due::MetricsRecord r;
  r.tags = {{"dataset", "phantom"}, {"method", method}, {"seed", std::to_string(seed)}};
  for (const auto& [name, value] : tags) r.tags[name] = value;
  r.classification.average_precision = average_precision;
  r.volume.reported.mean.iou = iou;
  r.slice.reported.mean.iou = iou / 2;
  return r;
}

std::vector<const due::MetricsRecord*> pointers_to(const std::vector<due::MetricsRecord>& runs) {
  std::vector<const due::MetricsRecord*> pointers;
  for (const auto& r : runs) pointers.push_back(&r);
  return pointers;
}

}  // namespace

TEST_CASE("paired statistics: the report's table pairs runs by seed against the baseline", "[paired-statistics][report]") {
  // DUE beats the baseline's IoU on all 3 shared seeds (differences 0.2, 0.3, 0.1) and loses AP on seed 2;
  // its seed 4 has no baseline partner and is left out.
  const std::vector<due::MetricsRecord> runs{run("baseline", 1, 0.1, 0.8), run("baseline", 2, 0.1, 0.8),
                                             run("baseline", 3, 0.2, 0.8), run("due", 1, 0.3, 0.85),
                                             run("due", 2, 0.4, 0.7),      run("due", 3, 0.3, 0.9),
                                             run("due", 4, 0.9, 0.9)};
  const std::string table = due::paired_comparison_table(due::group_runs(pointers_to(runs), {}), "baseline",
                                                         {"iou_volume", "average_precision"});
  INFO(table);
  // IoU: mean 0.2, sd 0.1, 3 of 3 won, Wilcoxon exact p = 0.25, sign p = 0.25. AP: +0.05, -0.1, +0.1: mean
  // 1/60 = 0.017, sd 0.104, 2 of 3 won.
  CHECK_THAT(table, Catch::Matchers::Contains("| due | 3 | +0.200 ± 0.100 | 3/3 | 0.250 | 0.250 | +0.017 ± 0.104 | 2/3 |"));
  CHECK_THAT(table, Catch::Matchers::Contains("minus baseline, run by run on the same data seed and classifier seed"));
  CHECK_THAT(table, !Catch::Matchers::Contains("Fewer than 3"));
  // With two seeds no test is given and the table says the differences are anecdotes.
  const std::vector<const due::MetricsRecord*> two{&runs[0], &runs[1], &runs[3], &runs[4]};
  const std::string short_table = due::paired_comparison_table(due::group_runs(two, {}), "baseline", {"iou_volume"});
  CHECK_THAT(short_table, Catch::Matchers::Contains("| due | 2 | +0.250 ± 0.071 | 2/2 | — | — |"));
  CHECK_THAT(short_table, Catch::Matchers::Contains("Fewer than 3 pairs for some rows"));
  // A steered baseline sorted before the plain one does not become the reference.
  std::vector<due::MetricsRecord> steered{run("baseline", 1, 0.9, 0.9), run("baseline", 2, 0.9, 0.9)};
  for (auto& r : steered) r.tags["steering"] = "feedback";
  const std::vector<const due::MetricsRecord*> mixed{&steered[0], &steered[1], &runs[0], &runs[1]};
  const std::string mixed_table = due::paired_comparison_table(due::group_runs(mixed, {}), "baseline", {"iou_volume"});
  CHECK_THAT(mixed_table, Catch::Matchers::Contains("| baseline steering=feedback | 2 | +0.800 ± 0.000 | 2/2 |"));
  // No baseline: no table.
  const std::vector<const due::MetricsRecord*> alone{&runs[3], &runs[4]};
  CHECK(due::paired_comparison_table(due::group_runs(alone, {}), "baseline", {"iou_volume"}).empty());
}

TEST_CASE("paired statistics: runs pair by data seed and classifier seed, every draw pooled", "[paired-statistics][report]") {
  // Two data draws, classifier seeds 1-3 in each. Draw 2 is harder (every IoU 0.3 lower), and DUE is above
  // Baseline by 0.01 s + 0.03 (d - 1) on seed s of draw d: six distinct positive differences. Pairing by the
  // classifier seed alone would take seed 1 of draw 1 and seed 1 of draw 2 for one pair (3 pairs, and across
  // draws: the one-sided p could not go below 1/8).
  std::vector<due::MetricsRecord> runs;
  for (int draw : {1, 2}) {
    for (int seed : {1, 2, 3}) {
      const double baseline_iou = 0.4 - 0.3 * (draw - 1) + 0.002 * seed;
      const std::map<std::string, std::string> data_seed{{"data_seed", std::to_string(draw)}};
      runs.push_back(run("baseline", seed, baseline_iou, 0.8, data_seed));
      runs.push_back(run("due", seed, baseline_iou + 0.01 * seed + 0.03 * (draw - 1), 0.8, data_seed));
    }
  }
  const auto groups = due::group_runs(pointers_to(runs), {});
  REQUIRE(groups.size() == 2);  // data_seed is left out of the group key, like seed
  CHECK(groups[1].label == "due");
  CHECK(groups[1].runs.size() == 6);
  const due::PairedValues values = due::paired_values(groups[1], groups[0], "iou_volume");
  REQUIRE(values.a.size() == 6);
  std::vector<double> differences;
  for (std::size_t i = 0; i < 6; ++i) differences.push_back(values.a[i] - values.b[i]);
  std::sort(differences.begin(), differences.end());
  const double expected[] = {0.01, 0.02, 0.03, 0.04, 0.05, 0.06};
  for (std::size_t i = 0; i < 6; ++i) CHECK(differences[i] == Approx(expected[i]));
  // The table against Baseline pools the same six pairs: two-sided p = 2/64 (by the seed alone: 3 pairs, 0.25).
  CHECK_THAT(due::paired_comparison_table(groups, "baseline", {"iou_volume"}),
             Catch::Matchers::Contains("| due | 6 | +0.035 ± 0.019 | 6/6 | 0.031 | 0.031 |"));
}

TEST_CASE("paired statistics: the claim check says what the runs show, either way", "[paired-statistics][report]") {
  // DUE doubles Baseline on seeds 1 and 2 (0.30 vs 0.10, 0.50 vs 0.20) but not on seed 3 (0.30 vs 0.20); it is
  // above Baseline+ (mean 0.367 vs 0.300) and its AP 0.1 below Baseline's.
  const std::vector<due::MetricsRecord> runs{run("baseline", 1, 0.1, 0.9),      run("baseline", 2, 0.2, 0.9),
                                             run("baseline", 3, 0.2, 0.9),      run("due", 1, 0.3, 0.8),
                                             run("due", 2, 0.5, 0.8),           run("due", 3, 0.3, 0.8),
                                             run("baseline-plus", 1, 0.3, 0.8), run("baseline-plus", 2, 0.3, 0.8),
                                             run("baseline-plus", 3, 0.3, 0.8)};
  std::vector<const due::MetricsRecord*> pointers;
  for (const auto& r : runs) pointers.push_back(&r);
  const std::string text = due::claim_check_paragraph(due::group_runs(pointers, {}));
  INFO(text);
  CHECK_THAT(text, Catch::Matchers::Contains("DUE higher on 3 of 3 paired seed(s), at least twice Baseline's on 2 of 3 "
                                             "(ratios 3.000x, 2.500x, 1.500x)"));
  CHECK_THAT(text, Catch::Matchers::Contains("does not hold here"));
  CHECK_THAT(text, Catch::Matchers::Contains("IoU 0.367 vs 0.300. DUE is at least Baseline+ on the mean."));
  CHECK_THAT(text, Catch::Matchers::Contains("more than 0.05 below Baseline's"));
  CHECK_THAT(text, !Catch::Matchers::Contains("anecdotes"));
  // Without a DUE group there is nothing to check.
  const std::vector<const due::MetricsRecord*> no_due{&runs[0], &runs[6]};
  CHECK(due::claim_check_paragraph(due::group_runs(no_due, {})).empty());
}
