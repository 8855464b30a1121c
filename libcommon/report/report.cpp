#include "report/report.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <tuple>
#include <filesystem>
#include <set>
#include <sstream>

#include "io/text_output.h"
#include "report/aggregate.h"
#include "report/figures.h"
#include "report/montage_figure.h"
#include "report/tables.h"
#include "util/errors.h"

namespace due {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kTable1Metrics{"accuracy",        "roc_auc",
                                              "average_precision", "pr_auc_trapezoid",
                                              "explanation_iou", "explanation_precision",
                                              "explanation_recall", "explanation_f1"};
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

std::string test_set_sentence(const std::vector<const MetricsRecord*>& runs) {
  std::size_t samples_low = SIZE_MAX, samples_high = 0, positives_low = SIZE_MAX, positives_high = 0;
  std::set<std::string> splits, thresholds;
  for (const MetricsRecord* run : runs) {
    samples_low = std::min(samples_low, run->classification.samples);
    samples_high = std::max(samples_high, run->classification.samples);
    positives_low = std::min(positives_low, run->classification.positives);
    positives_high = std::max(positives_high, run->classification.positives);
    splits.insert(run->tag("split").empty() ? "unnamed" : run->tag("split"));
    std::ostringstream threshold;
    threshold << run->explanation.threshold;
    thresholds.insert(threshold.str());
  }
  std::ostringstream out;
  out << "Evaluated on the " << (splits.size() == 1 ? *splits.begin() : "(mixed: see the runs)") << " split: "
      << range_text(samples_low, samples_high) << " samples, " << range_text(positives_low, positives_high)
      << " positive. Explanation metrics are means over the positive samples of the Grad-CAM binarised at cam > ";
  for (auto it = thresholds.begin(); it != thresholds.end(); ++it) out << (it == thresholds.begin() ? "" : " / ") << *it;
  out << " against the full reference mask.";
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
     << "Each cell is the mean ± standard deviation over seeds (n - 1 in the denominator); the best mean of each "
        "column is in bold. PR-AUC (AP) is the average precision (step-wise area); PR-AUC (trapezoid) is the "
        "linearly interpolated area the published DUE code reports, which is optimistic.\n";
  for (const auto& [dataset, runs] : datasets) {
    const std::string name = dataset.empty() ? "(no dataset tag)" : dataset;
    const std::vector<RunGroup> groups = group_runs(runs, {});
    summary.configurations += groups.size();
    md << "\n## Dataset: " << name << "\n\n" << test_set_sentence(runs) << "\n\n";
    md << "### Table 1: classification and explanation\n\n" << summary_table(groups, kTable1Metrics);
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
               tag_sweep_figure(runs, "train_size", "training-set size", {"accuracy", "roc_auc", "explanation_iou"},
                                size_path, size_link),
               size_path);
    const auto [threshold_path, threshold_link] = png("fig5-threshold");
    add_figure("Fig. 5: explanation quality against the CAM threshold",
               threshold_figure(runs, threshold_path, threshold_link), threshold_path);
    const auto [lambda_path, lambda_link] = png("fig6-lambda");
    add_figure("Fig. 6: against lambda (the explanation-loss weight)",
               tag_sweep_figure(runs, "lambda", "lambda", {"pr_auc_trapezoid", "explanation_iou", "explanation_f1"},
                                lambda_path, lambda_link),
               lambda_path);
  }
  md << "\n## Runs\n\n" << runs_list(records);
  const Provenance& p = options.provenance;
  md << "\n---\nWritten by " << p.tool << ' ' << p.version << " (" << p.git_hash << ") on " << p.created
     << ": `" << p.command_line << "`\n";
  write_text_file_atomically(options.out_path, md.str());
  summary.files.push_back(options.out_path);
  return summary;
}

}  // namespace due
