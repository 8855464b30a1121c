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

// Runs whose tags agree on everything but the left-out tags (always: seed) form one configuration.
struct RunGroup {
  std::map<std::string, std::string> key;  // the tags that define it
  std::vector<const MetricsRecord*> runs;
  // The method, then "tag=value" for each tag that tells it apart from other groups of the same method.
  std::string label;
};

// Groups in a stable order: methods in the order of the paper's tables (unknown methods after, by name), then
// by their other tags. `left_out` are tags that vary inside a group (e.g. {"seed"} or {"seed", "lambda"}).
std::vector<RunGroup> group_runs(const std::vector<const MetricsRecord*>& runs, const std::vector<std::string>& left_out);

// Position of a method in the paper's order (baseline, baseline-plus, haics, gradia, res-g, due), unknown after.
std::size_t method_rank(const std::string& method);

// The runs split by a tag's value (e.g. per dataset), values in sorted order.
std::map<std::string, std::vector<const MetricsRecord*>> split_by_tag(const std::vector<const MetricsRecord*>& runs,
                                                                     const std::string& tag);

// The plain group of `method`: the one labelled with the method alone (no steering or other distinguishing tag)
// when there is one, else the first with that method tag; nullptr when none.
const RunGroup* plain_group_of(const std::vector<RunGroup>& groups, const std::string& method);

// A metric (scalar_metrics() key) of each run of a group, by its seed tag.
std::map<std::string, double> values_by_seed(const RunGroup& group, const std::string& metric_key);

// Parses a tag's value as a number (e.g. train_size, lambda); false when it is not one.
bool tag_number(const MetricsRecord& run, const std::string& tag, double& value);

}  // namespace due
