#include "report/aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <set>
#include <tuple>

namespace due {

Summary summarise(const std::vector<double>& values) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Summary s{nan, nan, 0};
  double sum = 0;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    sum += v;
    ++s.count;
  }
  if (s.count == 0) return s;
  s.mean = sum / static_cast<double>(s.count);
  if (s.count < 2) return s;
  double squares = 0;
  for (double v : values)
    if (std::isfinite(v)) squares += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(squares / static_cast<double>(s.count - 1));
  return s;
}

namespace {

struct KnownMethod {
  const char* tag;
  const char* display_name;
};
// The paper's Table 1 order; due-unweighted, not a row of the paper, beside the DUE it ablates.
constexpr KnownMethod kKnownMethods[] = {{"baseline", "Baseline"}, {"baseline-plus", "Baseline+"},
                                         {"haics", "HAICS"},       {"gradia", "GRADIA"},
                                         {"res-g", "RES-G"},       {"due-unweighted", "DUE-unweighted"},
                                         {"due", "DUE"}};

const KnownMethod* known_method(const std::string& method) {
  for (const KnownMethod& known : kKnownMethods)
    if (method == known.tag) return &known;
  return nullptr;
}

// "" when the tag is absent or "none": the run did not use that stage.
std::string used_setting(const std::map<std::string, std::string>& tags, const std::string& name) {
  const auto found = tags.find(name);
  return found == tags.end() || found->second == "none" ? std::string() : found->second;
}

// Data seeds in order of value ("2" before "10"), any that is not a number after them, by text.
struct DataSeedOrder {
  static std::tuple<bool, double, std::string> position(const std::string& seed) {
    char* end = nullptr;
    const double value = std::strtod(seed.c_str(), &end);
    const bool number = !seed.empty() && *end == '\0' && std::isfinite(value);
    return {!number, number ? value : 0.0, seed};
  }
  bool operator()(const std::string& a, const std::string& b) const { return position(a) < position(b); }
};

}  // namespace

std::size_t method_rank(const std::string& method) {
  const KnownMethod* known = known_method(method);
  return known ? static_cast<std::size_t>(known - kKnownMethods) : std::size(kKnownMethods);
}

std::string method_display_name(const std::string& method) {
  const KnownMethod* known = known_method(method);
  return known ? known->display_name : method;
}

bool in_default_configuration(const RunGroup& group) {
  const std::string interpolator = used_setting(group.key, "interpolator");
  const std::string uncertainty = used_setting(group.key, "uncertainty");
  return (interpolator.empty() || interpolator == kDefaultInterpolator) &&
         (uncertainty.empty() || uncertainty == kDefaultUncertainty);
}

std::string configuration_name(const RunGroup& group) {
  std::string imputation = used_setting(group.key, "interpolator");
  const std::string uncertainty = used_setting(group.key, "uncertainty");
  if (!uncertainty.empty()) imputation += (imputation.empty() ? "" : " + ") + uncertainty;
  std::string details = imputation;
  for (const auto& [name, value] : group.label_tags)
    if (name != "interpolator" && name != "uncertainty") details += (details.empty() ? "" : ", ") + name + "=" + value;
  const std::string name = method_display_name(group.runs.front()->tag("method"));
  return details.empty() ? name : name + " (" + details + ")";
}

std::vector<RunGroup> group_runs(const std::vector<const MetricsRecord*>& runs, const std::vector<std::string>& left_out) {
  std::set<std::string> ignored(left_out.begin(), left_out.end());
  ignored.insert("seed");
  ignored.insert(kDataSeedTag);
  std::map<std::map<std::string, std::string>, std::vector<const MetricsRecord*>> by_key;
  for (const MetricsRecord* run : runs) {
    std::map<std::string, std::string> key;
    for (const auto& [name, value] : run->tags)
      if (!ignored.count(name)) key[name] = value;
    by_key[key].push_back(run);
  }
  std::vector<RunGroup> groups;
  for (auto& [key, members] : by_key) groups.push_back({key, members, {}, ""});
  const auto method_of = [](const RunGroup& g) {
    const auto found = g.key.find("method");
    return found == g.key.end() ? std::string() : found->second;
  };
  std::stable_sort(groups.begin(), groups.end(), [&](const RunGroup& a, const RunGroup& b) {
    return std::make_tuple(method_rank(method_of(a)), method_of(a)) <
           std::make_tuple(method_rank(method_of(b)), method_of(b));
  });
  for (RunGroup& group : groups) {
    group.label = method_of(group).empty() ? "(no method tag)" : method_of(group);
    for (const auto& [name, value] : group.key) {
      if (name == "method") continue;
      bool differs = false;
      for (const RunGroup& other : groups) {
        if (&other == &group || method_of(other) != method_of(group)) continue;
        const auto found = other.key.find(name);
        differs = differs || found == other.key.end() || found->second != value;
      }
      if (differs) group.label_tags[name] = value;
    }
    for (const auto& [name, value] : group.label_tags) group.label += " " + name + "=" + value;
  }
  return groups;
}

std::map<std::string, std::vector<const MetricsRecord*>> split_by_tag(const std::vector<const MetricsRecord*>& runs,
                                                                     const std::string& tag) {
  std::map<std::string, std::vector<const MetricsRecord*>> parts;
  for (const MetricsRecord* run : runs) parts[run->tag(tag)].push_back(run);
  return parts;
}

bool tag_number(const MetricsRecord& run, const std::string& tag, double& value) {
  const std::string text = run.tag(tag);
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(value);
}

const RunGroup* plain_group_of(const std::vector<RunGroup>& groups, const std::string& method) {
  // 0: labelled with the method alone; 1: DUE's default imputation; 2: any other.
  const auto preference = [&](const RunGroup& g) {
    return g.label == method ? 0 : in_default_configuration(g) ? 1 : 2;
  };
  const RunGroup* found = nullptr;
  for (const RunGroup& g : groups)
    if (g.runs.front()->tag("method") == method && (!found || preference(g) < preference(*found))) found = &g;
  return found;
}

PairedValues paired_values(const RunGroup& a, const RunGroup& b, const std::string& metric_key) {
  const MetricDefinition& metric = scalar_metric(metric_key);
  using RunKey = std::pair<std::string, std::string>;  // (data seed, classifier seed)
  const auto key_of = [](const MetricsRecord& run) { return RunKey{run.tag(kDataSeedTag), run.tag("seed")}; };
  std::map<RunKey, double> values_of_b;
  for (const MetricsRecord* run : b.runs) values_of_b[key_of(*run)] = metric.value(*run);
  std::map<RunKey, double> values_of_a;
  for (const MetricsRecord* run : a.runs) values_of_a[key_of(*run)] = metric.value(*run);
  PairedValues paired;
  for (const auto& [key, value] : values_of_a) {
    const auto partner = values_of_b.find(key);
    if (partner == values_of_b.end()) continue;
    paired.a.push_back(value);
    paired.b.push_back(partner->second);
  }
  return paired;
}

std::vector<RunGroup> split_by_data_seed(const RunGroup& group) {
  std::map<std::string, std::vector<const MetricsRecord*>, DataSeedOrder> draws;
  for (const MetricsRecord* run : group.runs) draws[run->tag(kDataSeedTag)].push_back(run);
  if (draws.size() < 2) return {group};
  std::vector<RunGroup> parts;
  for (const auto& [data_seed, runs] : draws) {
    RunGroup part = group;
    part.runs = runs;
    part.key[kDataSeedTag] = data_seed;
    part.label += " (data seed " + (data_seed.empty() ? std::string("not tagged") : data_seed) + ")";
    parts.push_back(part);
  }
  return parts;
}

}  // namespace due
