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
#include "report/ladder.h"
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

// A run with the given IoU (volume; its slice IoU half of it) and PR-AUC (AP), evaluated on 40 samples of which
// 12 positive (enough for a verdict); `tags` add to or replace the dataset, method and seed tags.
due::MetricsRecord run(const std::string& method, int seed, double iou, double average_precision,
                       const std::map<std::string, std::string>& tags = {}) {
  due::MetricsRecord r;
  r.tags = {{"dataset", "phantom"}, {"method", method}, {"seed", std::to_string(seed)}};
  for (const auto& [name, value] : tags) r.tags[name] = value;
  r.classification.samples = 40;
  r.classification.positives = 12;
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
  // Six positive pairs: one-sided exact p = 1/64 = 0.016, shown.
  const std::string text = due::claim_check_paragraph(groups);
  INFO(text);
  CHECK_THAT(text, Catch::Matchers::Contains(
                       "- DUE vs Baseline, IoU (volume): DUE higher: **shown** (p = 0.016, one-sided exact Wilcoxon "
                       "signed-rank test; one-sided sign test p = 0.016; n = 6 pairs; DUE − Baseline +0.035 ± 0.019, "
                       "DUE higher in 6 of 6)."));
  // The table against Baseline pools the same six pairs: two-sided p = 2/64 (by the seed alone: 3 pairs, 0.25).
  CHECK_THAT(due::paired_comparison_table(groups, "baseline", {"iou_volume"}),
             Catch::Matchers::Contains("| due | 6 | +0.035 ± 0.019 | 6/6 | 0.031 | 0.031 |"));
}

TEST_CASE("paired statistics: the claim lines state shown or not shown with p and effect", "[paired-statistics][report]") {
  // Hand table, seeds 1-10 (s):
  //   Baseline IoU 0.1 + 0.01 s, DUE 0.3 + 0.02 s: differences 0.2 + 0.01 s, all 10 positive: one-sided exact
  //     Wilcoxon p = 1/1024, sign p = 1/1024; mean 0.255, sd 0.01 sd(1..10) = 0.030.
  //   Baseline+ (seeds 1-6) IoU = DUE - d, d = -0.01, 0.02, ..., 0.06: ranks 1-6, the smallest negative:
  //     W+ = 20, p = P(W+ <= 1) = 2/64 = 0.031, shown; the sign test (5 of 6) gives 7/64 = 0.109.
  //   AP: Baseline 0.9, DUE 0.87 + 0.002 s: DUE below on every seed (-0.028 ... -0.010) but within the 0.05
  //     margin: the shifted differences are all positive, p = 1/1024, non-inferiority shown.
  //   HAICS AP 0.95: DUE never higher, p = 1, not shown. GRADIA (seeds 1-3) AP 0.5: 3 of 3 higher, p = 1/8, not
  //     shown: 3 pairs cannot. RES-G (seeds 1-2) AP 0.5: no p at all.
  std::vector<due::MetricsRecord> runs;
  const double plus_difference[] = {-0.01, 0.02, 0.03, 0.04, 0.05, 0.06};
  for (int s = 1; s <= 10; ++s) {
    const double due_iou = 0.3 + 0.02 * s;
    runs.push_back(run("baseline", s, 0.1 + 0.01 * s, 0.9));
    runs.push_back(run("due", s, due_iou, 0.87 + 0.002 * s));
    runs.push_back(run("haics", s, 0.1, 0.95));
    if (s <= 6) runs.push_back(run("baseline-plus", s, due_iou - plus_difference[s - 1], 0.9));
    if (s <= 3) runs.push_back(run("gradia", s, 0.1, 0.5));
    if (s <= 2) runs.push_back(run("res-g", s, 0.1, 0.5));
  }
  const std::string text = due::claim_check_paragraph(due::group_runs(pointers_to(runs), {}));
  INFO(text);
  using Catch::Matchers::Contains;
  CHECK_THAT(text, Contains("one-sided exact Wilcoxon signed-rank test in the paper's direction at p < 0.05"));
  CHECK_THAT(text, Contains("- DUE vs Baseline, IoU (volume): DUE higher: **shown** (p = 9.8e-04, one-sided exact "
                            "Wilcoxon signed-rank test; one-sided sign test p = 9.8e-04; n = 10 pairs; DUE − Baseline "
                            "+0.255 ± 0.030, DUE higher in 10 of 10)."));
  CHECK_THAT(text, Contains("- DUE vs Baseline+, IoU (volume): DUE higher: **shown** (p = 0.031, one-sided exact "
                            "Wilcoxon signed-rank test; one-sided sign test p = 0.109; n = 6 pairs; DUE − Baseline+ "
                            "+0.032 ± 0.025, DUE higher in 5 of 6)."));
  CHECK_THAT(text, Contains("- DUE vs Baseline, PR-AUC (AP): on par, tested as non-inferiority at a margin of 0.05 "
                            "(shown when DUE − Baseline + 0.05 is significantly above 0): **shown** (p = 9.8e-04, "
                            "one-sided exact Wilcoxon signed-rank test; one-sided sign test p = 9.8e-04; n = 10 pairs; "
                            "DUE − Baseline -0.019 ± 0.006, DUE higher in 0 of 10)."));
  CHECK_THAT(text, Contains("- DUE vs HAICS, PR-AUC (AP): DUE higher (3D over 2D): **not shown** (p = 1.000, "
                            "one-sided exact Wilcoxon signed-rank test; one-sided sign test p = 1.000; n = 10 pairs;"));
  CHECK_THAT(text, Contains("- DUE vs GRADIA, PR-AUC (AP): DUE higher (3D over 2D): **not shown** (p = 0.125, "
                            "one-sided exact Wilcoxon signed-rank test; one-sided sign test p = 0.125; n = 3 pairs; "
                            "DUE − GRADIA +0.374 ± 0.002, DUE higher in 3 of 3).\n"));
  CHECK_THAT(text, Contains("- DUE vs RES-G, PR-AUC (AP): DUE higher (3D over 2D): **not shown** (n = 2 pairs; "
                            "DUE − RES-G +0.373 ± 0.001, DUE higher in 2 of 2).\n"));
  // Said once, for the fewest pairs of any line, not after each line that has too few.
  const std::string too_few = "With 2 pairs (the fewest above) no test can reach p < 0.05 (the smallest one-sided "
                              "exact Wilcoxon p is 1/2^2 = 0.250; 5 pairs can give 0.031).";
  CHECK_THAT(text, Contains(too_few));
  CHECK(text.find("no test can reach") == text.rfind("no test can reach"));
  // Without a DUE group, or without anything to hold it against, there is nothing to check.
  const std::vector<const due::MetricsRecord*> no_due{&runs[0], &runs[3]};
  CHECK(due::claim_check_paragraph(due::group_runs(no_due, {})).empty());
  const std::vector<const due::MetricsRecord*> due_alone{&runs[1]};
  CHECK(due::claim_check_paragraph(due::group_runs(due_alone, {})).empty());
}

TEST_CASE("paired statistics: the claim lines check DUE's default configuration, and name each", "[paired-statistics][report]") {
  // The ablation's DUE groups: diffusion + blend sorts first, but the claims are the paper's about diffusion +
  // npvae; the others get one line each, on the first claim. Baseline IoU 0.1 on seeds 1-5; DUE (diffusion +
  // npvae) 0.3 + 0.01 s, always higher (p = 1/32); (diffusion + blend) 0.05 + 0.01 s, always lower (p = 1);
  // (linear + npvae) 0.1 + 0.01 (s - 3): lower, higher or tied.
  const auto imputation = [](const std::string& interpolator, const std::string& uncertainty) {
    return std::map<std::string, std::string>{{"interpolator", interpolator}, {"uncertainty", uncertainty}};
  };
  std::vector<due::MetricsRecord> runs;
  for (int s = 1; s <= 5; ++s) {
    runs.push_back(run("baseline", s, 0.1, 0.8, imputation("none", "none")));
    runs.push_back(run("due", s, 0.05 + 0.01 * s, 0.8, imputation("diffusion", "blend")));
    runs.push_back(run("due", s, 0.3 + 0.01 * s, 0.8, imputation("diffusion", "npvae")));
    runs.push_back(run("due", s, 0.1 + 0.01 * (s - 3), 0.8, imputation("linear", "npvae")));
  }
  const auto groups = due::group_runs(pointers_to(runs), {});
  REQUIRE(groups.size() == 4);
  REQUIRE(groups[1].label == "due interpolator=diffusion uncertainty=blend");  // the first DUE group
  const std::string text = due::claim_check_paragraph(groups);
  INFO(text);
  using Catch::Matchers::Contains;
  CHECK_THAT(text, Contains("Checked on DUE (diffusion + npvae), DUE's default configuration; the other DUE "
                            "configurations on the first claim after it."));
  CHECK_THAT(text, Contains("- DUE (diffusion + npvae) vs Baseline, IoU (volume): DUE higher: **shown** (p = 0.031,"));
  CHECK_THAT(text, Contains("- DUE (diffusion + npvae) vs Baseline, PR-AUC (AP): on par"));
  CHECK_THAT(text, Contains("- DUE (diffusion + blend) vs Baseline, IoU (volume): DUE higher: **not shown** (p = 1.000,"));
  CHECK_THAT(text, Contains("- DUE (linear + npvae) vs Baseline, IoU (volume): DUE higher: **not shown**"));
  CHECK_THAT(text, !Contains("DUE (diffusion + blend) vs Baseline, PR-AUC"));  // one line per other configuration
  // Without the default, the first is checked and the paragraph says the default is missing.
  std::vector<const due::MetricsRecord*> without_default;
  for (const auto& r : runs)
    if (r.tag("uncertainty") != "npvae" || r.tag("interpolator") != "diffusion") without_default.push_back(&r);
  const std::string fallback = due::claim_check_paragraph(due::group_runs(without_default, {}));
  CHECK_THAT(fallback, Contains("Checked on DUE (diffusion + blend) (no run of DUE's default configuration, "
                                "diffusion + npvae, is here)"));
}

TEST_CASE("paired statistics: the Ladder, rung by rung", "[paired-statistics][report]") {
  // Seeds 1-5 (s); IoU (volume), the slice IoU half of it; AP constant per method:
  //   Baseline        0.09 + 0.01 s                    AP 0.80
  //   Baseline+       Baseline + 0.04 + 0.01 s         AP 0.81   5 of 5 higher: p = 1/32 = 0.031
  //   DUE-unweighted  Baseline+ + (0.05, 0.04, -0.03, 0.02, -0.01)   AP 0.82
  //                   (diffusion): W+ = 5 + 4 + 2 = 11, p = P(W+ <= 4) = 7/32 = 0.219; sign 3 of 5: 16/32
  //   DUE             DUE-unweighted + 0.01 s          AP 0.83   (diffusion + npvae): 5 of 5, p = 0.031
  // and groups that must not be taken for a rung: DUE-unweighted (linear) far above Baseline+, DUE (diffusion +
  // blend), sorted before the default, below DUE-unweighted.
  const double imputation_difference[] = {0.05, 0.04, -0.03, 0.02, -0.01};
  const auto tags = [](const std::string& interpolator, const std::string& uncertainty) {
    return std::map<std::string, std::string>{{"interpolator", interpolator}, {"uncertainty", uncertainty}};
  };
  std::vector<due::MetricsRecord> runs;
  for (int s = 1; s <= 5; ++s) {
    const double baseline = 0.09 + 0.01 * s, plus = baseline + 0.04 + 0.01 * s;
    const double unweighted = plus + imputation_difference[s - 1], weighted = unweighted + 0.01 * s;
    runs.push_back(run("baseline", s, baseline, 0.80, tags("none", "none")));
    runs.push_back(run("baseline-plus", s, plus, 0.81, tags("none", "none")));
    runs.push_back(run("due-unweighted", s, unweighted, 0.82, tags("diffusion", "none")));
    runs.push_back(run("due-unweighted", s, plus + 0.3, 0.82, tags("linear", "none")));
    runs.push_back(run("due", s, weighted, 0.83, tags("diffusion", "npvae")));
    runs.push_back(run("due", s, unweighted - 0.1, 0.83, tags("diffusion", "blend")));
  }
  const std::string ladder = due::ladder_section(due::group_runs(pointers_to(runs), {}));
  INFO(ladder);
  using Catch::Matchers::Contains;
  CHECK_THAT(ladder, Contains("| Rung | Over | Adds | Δ IoU (volume) | Δ IoU (slice) | Δ PR-AUC (AP) | Won (IoU "
                              "(volume)) | Wilcoxon p | Sign p |"));
  CHECK_THAT(ladder, Contains("| Baseline+ | Baseline | + explanation loss on the sparse annotated slices | "
                              "+0.070 ± 0.016 | +0.035 ± 0.008 | +0.010 ± 0.000 | 5/5 | 0.031 | 0.031 |"));
  CHECK_THAT(ladder, Contains("| DUE-unweighted (diffusion) | Baseline+ | + imputation of the missing slices | "
                              "+0.014 ± 0.034 | +0.007 ± 0.017 | +0.010 ± 0.000 | 3/5 | 0.219 | 0.500 |"));
  CHECK_THAT(ladder, Contains("| DUE (diffusion + npvae) | DUE-unweighted (diffusion) | + uncertainty weights | "
                              "+0.030 ± 0.016 | +0.015 ± 0.008 | +0.010 ± 0.000 | 5/5 | 0.031 | 0.031 |"));
  CHECK_THAT(ladder, Contains("p: one-sided (the rung higher) exact Wilcoxon signed-rank and sign tests on IoU (volume)"));
  CHECK_THAT(ladder, Contains("- Does the explanation loss on the sparse slices help over none (Baseline+ over "
                              "Baseline, IoU (volume))? yes (p = 0.031, one-sided exact Wilcoxon signed-rank test; "
                              "one-sided sign test p = 0.031; n = 5 pairs; Baseline+ − Baseline +0.070 ± 0.016, "
                              "Baseline+ higher in 5 of 5)."));
  CHECK_THAT(ladder, Contains("- Does imputation help over the sparse annotation (DUE-unweighted (diffusion) over "
                              "Baseline+, IoU (volume))? not shown here (p = 0.219,"));
  CHECK_THAT(ladder, Contains("- Do the weights help over uniform weights (DUE (diffusion + npvae) over "
                              "DUE-unweighted (diffusion), IoU (volume))? yes (p = 0.031,"));
  CHECK_THAT(ladder, !Contains("Not run here"));

  // Without DUE-unweighted, the two rows that need it are left out, and the section says so.
  std::vector<const due::MetricsRecord*> no_unweighted;
  for (const auto& r : runs)
    if (r.tag("method") != "due-unweighted") no_unweighted.push_back(&r);
  const std::string partial = due::ladder_section(due::group_runs(no_unweighted, {}));
  CHECK_THAT(partial, Contains("| Baseline+ | Baseline |"));
  CHECK_THAT(partial, !Contains("| DUE (diffusion + npvae) |"));
  CHECK_THAT(partial, Contains("Not run here: DUE-unweighted; the rows that need it are left out."));
  CHECK_THAT(partial, !Contains("Do the weights help"));
  // Baseline and DUE alone are not consecutive rungs: no Ladder.
  std::vector<const due::MetricsRecord*> ends;
  for (const auto& r : runs)
    if (r.tag("method") == "baseline" || r.tag("method") == "due") ends.push_back(&r);
  CHECK(due::ladder_section(due::group_runs(ends, {})).empty());
}

TEST_CASE("paired statistics: below the minimum test positives and negatives, verdicts are withheld and say why",
          "[paired-statistics][report]") {
  // The Ladder's runs of seeds 1-5, DUE always well above the rest (5 of 5: p = 0.031, which would be shown),
  // but one DUE run was evaluated on 1 sample, a positive (two LIDC patients): every verdict on DUE is withheld;
  // Baseline+ over Baseline, whose runs have 12 positives and 28 negatives each, keeps its own.
  const auto tags = [](const std::string& interpolator, const std::string& uncertainty) {
    return std::map<std::string, std::string>{{"interpolator", interpolator}, {"uncertainty", uncertainty}};
  };
  std::vector<due::MetricsRecord> runs;
  for (int s = 1; s <= 5; ++s) {
    // Differences distinct in magnitude, so every test is exact: 5 of 5 higher, p = 1/32.
    const double baseline = 0.09 + 0.01 * s, plus = baseline + 0.04 + 0.01 * s, unweighted = plus + 0.01 * s;
    runs.push_back(run("baseline", s, baseline, 0.80, tags("none", "none")));
    runs.push_back(run("baseline-plus", s, plus, 0.81, tags("none", "none")));
    runs.push_back(run("due-unweighted", s, unweighted, 0.82, tags("diffusion", "none")));
    runs.push_back(run("due", s, unweighted + 0.1 + 0.01 * s, 0.83, tags("diffusion", "npvae")));
  }
  runs.back().classification.samples = 1;
  runs.back().classification.positives = 1;
  const auto groups = due::group_runs(pointers_to(runs), {});
  using Catch::Matchers::Contains;
  const std::string claims = due::claim_check_paragraph(groups);
  INFO(claims);
  CHECK_THAT(claims, Contains("A verdict needs at least 5 positives and 5 negatives in the evaluated split of every "
                              "run it compares, or it is withheld."));
  CHECK_THAT(claims, Contains("- DUE (diffusion + npvae) vs Baseline, IoU (volume): DUE higher: **withheld**: the "
                              "smallest evaluated split of these runs has 1 positive and 0 negatives, fewer than the 5 "
                              "of each a verdict needs.\n"));
  CHECK_THAT(claims, !Contains("**shown**"));
  const std::string ladder = due::ladder_section(groups);
  INFO(ladder);
  CHECK_THAT(ladder, Contains("(Baseline+ over Baseline, IoU (volume))? yes (p = 0.031,"));
  CHECK_THAT(ladder, Contains("(DUE (diffusion + npvae) over DUE-unweighted (diffusion), IoU (volume))? withheld: the "
                              "smallest evaluated split of these runs has 1 positive and 0 negatives"));
  // With the minimum the verdict is back: 5 positives and 5 negatives.
  runs.back().classification.samples = 10;
  runs.back().classification.positives = 5;
  CHECK_THAT(due::claim_check_paragraph(due::group_runs(pointers_to(runs), {})),
             Contains("- DUE (diffusion + npvae) vs Baseline, IoU (volume): DUE higher: **shown** (p = 0.031,"));
}
