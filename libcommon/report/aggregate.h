#pragma once
// Grouping runs (metrics files) into configurations and summarising a metric over the seeds of each.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "report/metrics_file.h"

namespace due {

// Mean and sample standard deviation (n - 1) of the finite values; NaN mean without any, NaN std below two.
struct Summary {
  double mean;
  double std;
  std::size_t count = 0;
};
Summary summarise(const std::vector<double>& values);

// The tag of the data draw a run was trained and tested on (the phantom draw and the split). Metrics files
// written before it existed lack it: they count as one draw.
inline constexpr const char* kDataSeedTag = "data_seed";

// Runs whose tags agree on everything but the left-out tags (always: seed and data_seed) form one
// configuration: the classifier seeds of every data draw, pooled.
struct RunGroup {
  std::map<std::string, std::string> key;  // the tags that define it
  std::vector<const MetricsRecord*> runs;
  // The tags that tell it apart from other groups of the same method.
  std::map<std::string, std::string> label_tags;
  // The method, then "tag=value" for each of label_tags.
  std::string label;
};

// Groups in a stable order: methods in the order of the paper's tables (unknown methods after, by name), then
// by their other tags. `left_out` are tags that vary inside a group (e.g. {"seed"} or {"seed", "lambda"}).
std::vector<RunGroup> group_runs(const std::vector<const MetricsRecord*>& runs, const std::vector<std::string>& left_out);

// Position of a method in the paper's order (baseline, baseline-plus, haics, gradia, res-g, then
// due-unweighted, DUE's ablation without the weights, just before due), unknown after.
std::size_t method_rank(const std::string& method);

// A method as prose names it ("Baseline+", "DUE-unweighted"); an unknown method tag as it is.
std::string method_display_name(const std::string& method);

// DUE's default configuration, the paper's: the diffusion interpolator and the NP-VAE's uncertainty weights.
inline constexpr const char* kDefaultInterpolator = "diffusion";
inline constexpr const char* kDefaultUncertainty = "npvae";

// Whether a group is in DUE's default configuration as far as its tags say: no interpolator or uncertainty tag
// other than the default's, "none" or absent (Baseline is, as is DUE-unweighted with the diffusion interpolator).
bool in_default_configuration(const RunGroup& group);

// A group as prose names it: the method's display name, then in parentheses its imputation ("diffusion +
// npvae"; tags "none" or absent left out) and its other label tags, e.g. "DUE (diffusion + npvae)",
// "DUE-unweighted (linear)", "Baseline (train_size=20)", "Baseline".
std::string configuration_name(const RunGroup& group);

// The runs split by a tag's value (e.g. per dataset), values in sorted order.
std::map<std::string, std::vector<const MetricsRecord*>> split_by_tag(const std::vector<const MetricsRecord*>& runs,
                                                                     const std::string& tag);

// The plain group of `method`: the one labelled with the method alone (no steering or other distinguishing tag)
// when there is one; else the first in DUE's default configuration (no interpolator or uncertainty tag other
// than the default's or "none"); else the first with that method tag; nullptr when none.
const RunGroup* plain_group_of(const std::vector<RunGroup>& groups, const std::string& method);

// A metric (scalar_metrics() key) of the runs two groups share, in matching order: a[i] and b[i] are one pair.
// Runs pair by data seed and classifier seed: seed 1 of data seed 1 and seed 1 of data seed 2 are different
// pairs, and every pair of every data seed counts. Runs only one side has are left out.
struct PairedValues {
  std::vector<double> a, b;
};
PairedValues paired_values(const RunGroup& a, const RunGroup& b, const std::string& metric_key);

// A group's runs per data draw, in the order of the data seeds (numbers by value), each labelled
// "<label> (data seed D)"; one entry, the group itself, when all its runs share one data seed.
std::vector<RunGroup> split_by_data_seed(const RunGroup& group);

// Parses a tag's value as a number (e.g. train_size, lambda); false when it is not one.
bool tag_number(const MetricsRecord& run, const std::string& tag, double& value);

}  // namespace due
