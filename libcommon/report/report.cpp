#include "report/report.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <tuple>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "io/text_output.h"
#include "report/aggregate.h"
#include "report/claim_check.h"
#include "report/figures.h"
#include "report/ladder.h"
#include "report/montage_figure.h"
#include "report/paired_table.h"
#include "report/paired_text.h"
#include "report/tables.h"
#include "util/errors.h"

namespace due {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kTable1Metrics{"accuracy",         "roc_auc",         "average_precision",
                                              "pr_auc_trapezoid", "iou_slice",       "precision_slice",
                                              "recall_slice",     "f1_slice",        "iou_volume",
                                              "precision_volume", "recall_volume",   "f1_volume"};
const std::vector<std::string> kDecisionMetrics{"precision", "recall", "f1", "specificity"};

// A file-name-safe form of a tag value.
std::string file_word(const std::string& text) {
  std::string word;
  for (char c : text) word += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  return word.empty() ? "unknown" : word;
}

std::string range_text(std::size_t low, std::size_t high) {
  return low == high ? std::to_string(low) : std::to_string(low) + " to " + std::to_string(high);
}

std::string set_text(const std::set<std::string>& values) {
  std::string text;
  for (const std::string& v : values) text += (text.empty() ? "" : " / ") + v;
  return text;
}

std::string test_set_sentence(const std::vector<const MetricsRecord*>& runs) {
  std::size_t samples_low = SIZE_MAX, samples_high = 0, positives_low = SIZE_MAX, positives_high = 0;
  std::size_t empty_low = SIZE_MAX, empty_high = 0;
  std::set<std::string> splits, thresholds, slices;
  for (const MetricsRecord* run : runs) {
    samples_low = std::min(samples_low, run->classification.samples);
    samples_high = std::max(samples_high, run->classification.samples);
    positives_low = std::min(positives_low, run->classification.positives);
    positives_high = std::max(positives_high, run->classification.positives);
    splits.insert(run->tag("split").empty() ? "unnamed" : run->tag("split"));
    std::ostringstream threshold;
    threshold << run->volume.reported.threshold;
    thresholds.insert(threshold.str());
    if (run->scored_slice < 0) {
      slices.insert("none (an old metrics file: n/a)");
    } else {
      slices.insert(std::to_string(run->scored_slice));
      empty_low = std::min(empty_low, run->slice.empty_references);
      empty_high = std::max(empty_high, run->slice.empty_references);
    }
  }
  std::ostringstream out;
  out << "Evaluated on the " << (splits.size() == 1 ? *splits.begin() : "(mixed: see the runs)") << " split: "
      << range_text(samples_low, samples_high) << " samples, " << range_text(positives_low, positives_high)
      << " positive. Explanation metrics are means over the positive samples of the Grad-CAM binarised at cam > "
      << set_text(thresholds) << ", scored twice against the full reference mask: **(slice)** on depth index "
      << set_text(slices) << ", the slice the 2D methods (HAICS, GRADIA, RES-G) see and explain, with the 3D "
         "methods' maps cut at the same slice; **(volume)** on the whole volume, where a 2D method's map is zero "
         "outside its slice, so its volume recall is capped at that slice's share of the lesion.";
  if (empty_high > 0)
    out << " The reference is empty on the scored slice for " << range_text(empty_low, empty_high)
        << " positive(s), which score 0 there.";
  out << "\n\nThe paper's Table 1 scores its 3D methods (baseline, baseline-plus, DUE) on the volume and its 2D "
         "baselines on their slice: its numbers correspond to the (volume) columns of the 3D rows and the (slice) "
         "columns of the 2D rows. The (slice) columns compare all six methods on one footing.";
  return out.str();
}

// What makes these runs' numbers doubtful: each warning their metrics files carry (due-evaluate: an empty
// validation split, a one-class evaluated split) with how many runs carry it, and an evaluated split too small
// for a verdict. "" when there is none.
std::string warnings_paragraph(const std::vector<const MetricsRecord*>& runs) {
  std::map<std::string, std::size_t> counts;
  for (const MetricsRecord* run : runs)
    for (const std::string& warning : std::set<std::string>(run->warnings.begin(), run->warnings.end()))
      ++counts[warning];
  RunGroup all;
  all.runs = runs;
  const std::string too_few = too_few_test_samples({&all});
  if (counts.empty() && too_few.empty()) return "";
  std::ostringstream out;
  out << "**Warnings**: these runs are not results as they stand (docs/workflow.md, \"Degenerate runs\").\n\n";
  for (const auto& [warning, count] : counts)
    out << "- " << warning << " (" << count << " of " << runs.size() << (runs.size() == 1 ? " run" : " runs")
        << ").\n";
  if (!too_few.empty())
    out << "- " << too_few << ": the claims and the Ladder's answers below are withheld.\n";
  return out.str();
}

// What a report of a few seeds can show and what it cannot, and where the evidence is: "" when every group has
// enough runs for a one-sided test to reach the significance level.
std::string few_seeds_note(const std::vector<RunGroup>& groups, const std::string& dataset) {
  std::size_t most = 0;
  for (const RunGroup& g : groups) most = std::max(most, g.runs.size());
  if (most >= pairs_needed_one_sided()) return "";
  std::ostringstream out;
  out << "**What " << (most == 1 ? "one seed" : "so few seeds") << " can show**: each configuration here has "
      << (most == 1 ? "one run" : "at most " + std::to_string(most) + " runs")
      << ". That shows the pipeline end to end and what each method's explanations look like; it cannot rank the "
         "methods: from one classifier seed to the next the ranking can flip (the phantom demo at 1 thread gave "
         "DUE an IoU (volume) of 0.016 against Baseline's 0.113, at 2 threads 0.132 against 0.092). For evidence "
         "run `make -f Makefile.workflow table1"
      << (dataset == "phantom" || dataset.empty() ? std::string() : " DATASET=" + dataset + " DATA=...")
      << "` (every method on 2 data draws x 5 classifier seeds, paired tests)";
  if (dataset == "phantom")
    out << ": at pipelines/phantom.yaml's defaults it takes 8.0 min on 2 quiet cores and gave an IoU (volume) of "
           "0.022 for Baseline, 0.072 for Baseline+, 0.109 for DUE-unweighted and 0.106 for DUE, DUE above "
           "Baseline at p = 0.001 (docs/classifier.md)";
  out << ".\n";
  return out.str();
}

std::string runs_list(const std::vector<MetricsRecord>& records) {
  std::ostringstream out;
  out << "| Metrics file | Tags | Created by |\n| --- | --- | --- |\n";
  for (const MetricsRecord& r : records) {
    std::string tags;
    for (const auto& [name, value] : r.tags)
      if (!value.empty()) tags += (tags.empty() ? "" : ", ") + name + "=" + value;
    out << "| `" << r.source_path << "` | " << tags << " | " << r.provenance.tool << ' ' << r.provenance.version
        << " (" << r.provenance.git_hash << ") |\n";
  }
  return out.str();
}

}  // namespace

ReportSummary write_report(std::vector<MetricsRecord> records, const ReportOptions& options) {
  if (records.empty()) throw UsageError("--report needs at least one --metrics FILE");
  // The report does not depend on the order the files were given in.
  std::sort(records.begin(), records.end(), [](const MetricsRecord& a, const MetricsRecord& b) {
    return std::make_tuple(a.tags, a.source_path) < std::make_tuple(b.tags, b.source_path);
  });
  const fs::path out(options.out_path);
  const fs::path folder = out.parent_path();
  const std::string stem = out.stem().string();
  ReportSummary summary;

  std::vector<const MetricsRecord*> all;
  for (const MetricsRecord& r : records) all.push_back(&r);
  const auto datasets = split_by_tag(all, "dataset");
  summary.datasets = datasets.size();

  std::ostringstream md;
  md << "# due report\n\n"
     << "From " << records.size() << " metrics file" << (records.size() == 1 ? "" : "s") << " (listed at the end). "
     << "Each cell is the mean ± standard deviation over seeds, those of every data seed pooled (n - 1 in the "
        "denominator); the best mean of each column is in bold when every configuration has at least "
     << kSeedsToBold << " runs (with fewer, a best mean is noise, and nothing is bold). PR-AUC (AP) is the "
        "average precision (step-wise area); PR-AUC (trapezoid) is the linearly interpolated area the published "
        "DUE code reports, which is optimistic.\n";
  for (const auto& [dataset, runs] : datasets) {
    const std::string name = dataset.empty() ? "(no dataset tag)" : dataset;
    const std::vector<RunGroup> groups = group_runs(runs, {});
    summary.configurations += groups.size();
    md << "\n## Dataset: " << name << "\n\n" << test_set_sentence(runs) << "\n\n";
    const std::string warnings = warnings_paragraph(runs);
    if (!warnings.empty()) md << warnings << "\n";
    md << "### Table 1: classification and explanation\n\n"
       << summary_table(groups, kTable1Metrics, DataSeedRows::beside_pooled);
    const std::string claims = claim_check_paragraph(groups);
    if (!claims.empty()) md << "\n" << claims;
    const std::string few_seeds = few_seeds_note(groups, dataset);
    if (!few_seeds.empty()) md << "\n" << few_seeds;
    const std::string ladder = ladder_section(groups);
    if (!ladder.empty()) md << "\n### The Ladder: what each part of DUE adds\n\n" << ladder;
    const std::string paired =
        paired_comparison_table(groups, "baseline", {"iou_volume", "iou_slice", "average_precision"});
    if (!paired.empty()) md << "\n### Against Baseline, run by run\n\n" << paired;
    md << "\n### Classification at the argmax decision\n\n" << summary_table(groups, kDecisionMetrics);

    const auto png = [&](const std::string& figure_name) {
      const std::string file = stem + "-" + figure_name + "-" + file_word(dataset) + ".png";
      return std::make_pair((folder / file).string(), file);
    };
    // A figure not drawn this time must not survive from an earlier report under its name.
    const auto add_figure = [&](const std::string& heading, const FigureOutcome& outcome, const std::string& path) {
      md << "\n### " << heading << "\n\n" << outcome.markdown;
      if (outcome.drawn) {
        summary.files.push_back(path);
        ++summary.figures_drawn;
      } else {
        std::error_code ignored;
        fs::remove(path, ignored);
      }
    };
    const auto [montage_path, montage_link] = png("fig4-montage");
    add_figure("Fig. 4: the explanations side by side", montage_figure(runs, montage_path, montage_link),
               montage_path);
    const auto [size_path, size_link] = png("fig3-training-size");
    add_figure("Fig. 3: against the training-set size",
               tag_sweep_figure(runs, "train_size", "training-set size",
                                {"accuracy", "roc_auc", "iou_slice", "iou_volume"},
                                size_path, size_link),
               size_path);
    const auto [threshold_path, threshold_link] = png("fig5-threshold");
    add_figure("Fig. 5: explanation quality against the CAM threshold",
               threshold_figure(runs, threshold_path, threshold_link), threshold_path);
    const auto [lambda_path, lambda_link] = png("fig6-lambda");
    add_figure("Fig. 6: against lambda (the explanation-loss weight)",
               tag_sweep_figure(runs, "lambda", "lambda",
                                {"pr_auc_trapezoid", "iou_slice", "f1_slice", "iou_volume", "f1_volume"},
                                lambda_path, lambda_link),
               lambda_path);
  }
  // Every run's tags and metrics in one table for pandas: metrics.csv's columns, one row per run.
  const std::string results_file = stem + "-results.csv";
  const std::string results_path = (folder / results_file).string();
  write_text_file_atomically(results_path, results_csv(records));
  summary.files.push_back(results_path);
  md << "\n## Runs\n\nEvery run's tags and metrics, one row per run: [" << results_file << "](" << results_file
     << ") (and per run, beside its metrics.json: predictions.csv, one row per sample).\n\n"
     << runs_list(records)
     << "\nTraining results are reproducible for a fixed seed and thread count, not across thread counts; each "
        "file's provenance records both (`seed`, `threads`; docs/architecture.md, Reproducibility).\n";
  const Provenance& p = options.provenance;
  md << "\n---\nWritten by " << p.tool << ' ' << p.version << " (" << p.git_hash << ") on " << p.created
     << ": `" << p.command_line << "`\n";
  write_text_file_atomically(options.out_path, md.str());
  summary.files.push_back(options.out_path);
  return summary;
}

}  // namespace due
