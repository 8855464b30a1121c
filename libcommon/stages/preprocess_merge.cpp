#include "stages/preprocess_merge.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>

#include "cli/config_schema.h"
#include "cli/logging.h"
#include "cli/tool.h"
#include "data/shards.h"
#include "data/splits.h"
#include "io/dataset_store.h"
#include "io/text_output.h"
#include "stages/output_settings.h"
#include "stages/preprocess.h"
#include "util/errors.h"

namespace due {
namespace {

namespace fs = std::filesystem;

struct Part {
  std::string path;
  std::unique_ptr<DatasetReader> reader;
  ShardSpec shard;
  std::int64_t patients = 0;
  std::string range;
  Provenance provenance;
  std::string source;
  std::string report_name;  // "" for the phantom source, which writes no report
  std::string data_config;  // the config without the keys that cannot change the data
};

// Threads, device and log level change how a shard ran, not what it wrote; everything else must agree.
std::string data_config_of(const std::string& config_yaml, const std::string& path) {
  Config config(toolkit_config_schema());
  config.merge_yaml(config_yaml, path + " (its /config)");
  config.set("threads", "0", "merge");
  config.set("device", "cpu", "merge");
  config.set("log_level", "info", "merge");
  return config.to_yaml();
}

// The first line where two YAML documents differ, to name the key that keeps two parts apart.
std::string first_difference(const std::string& a, const std::string& b) {
  std::size_t start = 0;
  while (start < a.size() && start < b.size()) {
    const std::size_t end_a = a.find('\n', start), end_b = b.find('\n', start);
    const std::string line_a = a.substr(start, end_a - start), line_b = b.substr(start, end_b - start);
    if (line_a != line_b) return "'" + line_a + "' against '" + line_b + "'";
    if (end_a == std::string::npos || end_b == std::string::npos) break;
    start = end_a + 1;
  }
  return "its length";
}

Part open_part(const std::string& path) {
  Part part;
  part.path = path;
  part.reader = std::make_unique<DatasetReader>(path, PartialShards::Allow);
  const SampleFileReader& file = part.reader->file();
  if (!file.has_attribute(kShardAttribute) || !file.has_attribute(kShardPatientsAttribute) ||
      !file.has_attribute(kShardRangeAttribute))
    throw InputError(path + ": is not a shard (no /" + kShardAttribute +
                     " attribute); --merge joins the parts written by due-preprocess --shard K/N");
  try {
    part.shard = parse_shard(file.string_attribute(kShardAttribute));
  } catch (const InputError&) {
    throw InputError(path + ": /" + kShardAttribute + " is '" + file.string_attribute(kShardAttribute) +
                     "', not K/N");
  }
  part.patients = file.int_attribute(kShardPatientsAttribute);
  part.range = file.string_attribute(kShardRangeAttribute);
  part.provenance = part.reader->provenance();
  part.source = part.reader->source_description();
  if (file.has_attribute(kShardReportAttribute)) part.report_name = file.string_attribute(kShardReportAttribute);
  part.data_config = data_config_of(part.provenance.config_yaml, path);
  return part;
}

void require_same_run(const Part& part, const Part& first) {
  const auto refuse = [&](const std::string& what) {
    throw InputError(part.path + ": not a shard of the same run as " + first.path + ": " + what);
  };
  if (part.shard.count != first.shard.count)
    refuse("shard " + part.shard.text() + " against " + first.shard.text());
  if (part.patients != first.patients)
    refuse(std::to_string(part.patients) + " patients in the collection against " + std::to_string(first.patients));
  if (part.provenance.seed != first.provenance.seed)
    refuse("seed " + std::to_string(part.provenance.seed) + " against " + std::to_string(first.provenance.seed));
  if (part.provenance.tool != first.provenance.tool || part.provenance.git_hash != first.provenance.git_hash)
    refuse("made by " + part.provenance.tool + " " + part.provenance.git_hash + " against " + first.provenance.tool +
           " " + first.provenance.git_hash);
  if (part.data_config != first.data_config)
    refuse("config differs: " + first_difference(part.data_config, first.data_config));
  if (part.source != first.source) refuse("source '" + part.source + "' against '" + first.source + "'");
  const DatasetLayout &a = part.reader->layout(), &b = first.reader->layout();
  if (!(a.shape == b.shape) || a.raters != b.raters) refuse("block shape or rater count differs");
  if (part.report_name.empty() != first.report_name.empty()) refuse("one has a preprocess report, the other not");
}

// The parts in shard order, each K once, all of one run, their patient ranges as the shard rule cuts them.
std::vector<Part> open_parts(const std::vector<std::string>& paths, const std::string& out_path) {
  std::vector<Part> parts;
  for (const std::string& path : paths) {
    parts.push_back(open_part(path));
    require_same_run(parts.back(), parts.front());
  }
  std::map<std::size_t, const Part*> by_index;
  for (const Part& part : parts) {
    const auto [it, fresh] = by_index.emplace(part.shard.index, &part);
    if (!fresh)
      throw InputError(part.path + ": is shard " + part.shard.text() + " again (" + it->second->path + " is too)");
  }
  const std::size_t count = parts.front().shard.count;
  for (std::size_t k = 1; k <= count; ++k) {
    if (by_index.count(k)) continue;
    std::string given;
    for (const auto& [index, part] : by_index) given += (given.empty() ? "" : ", ") + part->path;
    throw InputError(out_path + ": shard " + std::to_string(k) + "/" + std::to_string(count) +
                     " is missing among the parts (given " + given + ")");
  }
  std::sort(parts.begin(), parts.end(), [](const Part& a, const Part& b) { return a.shard.index < b.shard.index; });
  const auto total = static_cast<std::size_t>(parts.front().patients);
  for (const Part& part : parts) {
    const std::string expected = shard_patient_bounds(part.shard, total).text();
    if (part.range != expected)
      throw InputError(part.path + ": /" + kShardRangeAttribute + " is " + part.range + ", but shard " +
                       part.shard.text() + " of " + std::to_string(total) + " patients is " + expected);
  }
  return parts;
}

nlohmann::json read_part_report(const Part& part) {
  const std::string path = (fs::path(part.path).parent_path() / part.report_name).string();
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw InputError(path + ": the preprocess report of shard " + part.shard.text() + " (" + part.path +
                     ") is missing");
  nlohmann::json report;
  try {
    std::ifstream in(path);
    report = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw InputError(path + ": not a preprocess report (" + e.what() + ")");
  }
  if (report.value("result", "") != "ok" || report.value("shard", "") != part.shard.text() ||
      report.value("samples", std::size_t{0}) != part.reader->size())
    throw InputError(path + ": does not report a finished shard " + part.shard.text() + " of " +
                     std::to_string(part.reader->size()) + " samples");
  return report;
}

// The parts' reports summed: counts and lists joined in shard order; seconds and scans/minute are per process.
nlohmann::json merged_report(const std::vector<Part>& parts, const std::string& out_path, const Provenance& provenance) {
  nlohmann::json report = {{"tool", provenance.tool},       {"git_hash", provenance.git_hash},
                           {"output", out_path},            {"source", parts.front().source},
                           {"skipped", nlohmann::json::array()}, {"notes", nlohmann::json::array()},
                           {"problems", nlohmann::json::array()}, {"parts", nlohmann::json::array()}};
  std::size_t scans = 0, samples = 0, positives = 0, skipped = 0, problems = 0;
  double seconds = 0, peak = 0;
  for (const Part& part : parts) {
    const nlohmann::json r = read_part_report(part);
    scans += r.value("scans", std::size_t{0});
    samples += r.value("samples", std::size_t{0});
    positives += r.value("positives", std::size_t{0});
    skipped += r.value("scans_skipped", std::size_t{0});
    problems += r.value("input_problems", std::size_t{0});
    seconds += r.value("seconds", 0.0);
    peak = std::max(peak, r.value("peak_rss_mb", 0.0));
    for (const auto& entry : r.at("skipped")) report["skipped"].push_back(entry);
    for (const auto& entry : r.at("notes")) report["notes"].push_back(entry);
    if (r.contains("problems"))  // absent in parts written before input problems were reported
      for (const auto& entry : r.at("problems")) report["problems"].push_back(entry);
    report["parts"].push_back({{"file", part.path},
                               {"shard", part.shard.text()},
                               {"scans", r.value("scans", std::size_t{0})},
                               {"samples", r.value("samples", std::size_t{0})},
                               {"seconds", r.value("seconds", 0.0)},
                               {"scans_per_minute", r.value("scans_per_minute", 0.0)},
                               {"peak_rss_mb", r.value("peak_rss_mb", 0.0)}});
  }
  report["scans"] = scans;
  report["samples"] = samples;
  report["positives"] = positives;
  report["scans_skipped"] = skipped;
  report["input_problems"] = problems;
  report["seconds"] = seconds;
  report["scans_per_minute"] = seconds > 0 ? 60.0 * static_cast<double>(scans) / seconds : 0.0;
  report["peak_rss_mb"] = peak;
  return report;
}

}  // namespace

int run_preprocess_merge(ToolContext& context, const std::vector<std::string>& paths, const std::string& out_path) {
  if (out_path.empty()) throw UsageError("--out FILE is required");
  if (paths.empty()) throw UsageError("--merge needs the parts: --merge PART... --out dataset.h5");
  const auto start = std::chrono::steady_clock::now();
  const std::vector<Part> parts = open_parts(paths, out_path);
  const Part& first = parts.front();

  // The merged file is what the single-process run of the parts' config would have written: its config and seed.
  Config config(toolkit_config_schema());
  config.merge_yaml(first.provenance.config_yaml, first.path + " (its /config)");
  Provenance provenance = context.provenance();
  provenance.seed = first.provenance.seed;
  provenance.threads = first.provenance.threads;  // as the first part ran (preprocessing does not depend on it)
  provenance.config_yaml = first.provenance.config_yaml;

  std::vector<std::string> patients, ids;
  std::vector<std::uint8_t> labels;
  std::set<std::string> seen;
  for (const Part& part : parts) {
    const std::vector<std::string> part_patients = part.reader->patients(), part_ids = part.reader->ids();
    const std::vector<std::uint8_t> part_labels = part.reader->labels();
    for (const std::string& id : part_ids)
      if (!seen.insert(id).second) throw InputError(part.path + ": sample '" + id + "' is in an earlier part too");
    patients.insert(patients.end(), part_patients.begin(), part_patients.end());
    labels.insert(labels.end(), part_labels.begin(), part_labels.end());
  }

  const bool with_report = !first.report_name.empty();
  const std::string report_path = preprocess_report_path(out_path);
  nlohmann::json report;
  if (with_report) report = merged_report(parts, out_path, provenance);
  const auto fail = [&](const std::string& message) {
    if (!with_report) throw InputError(out_path + ": " + message);
    report["result"] = "failed: " + message;
    write_text_file_atomically(report_path, report.dump(2) + "\n");
    throw InputError(message + " (see " + report_path + ")");
  };
  if (patients.empty()) fail("nothing usable in the " + std::to_string(parts.size()) + " parts");
  std::vector<std::uint8_t> splits;
  try {
    splits = assign_splits(patients, labels, split_config_from(config), first.provenance.seed);
  } catch (const InputError& e) {
    fail(e.what());
  }

  std::string merged_from;
  for (const Part& part : parts) merged_from += (merged_from.empty() ? "" : "\n") + part.shard.text() + " " + part.path;
  DatasetWriter writer(out_path, first.reader->layout(), provenance, first.source, gzip_level_from(config));
  writer.set_attribute("merged_from", merged_from);
  std::size_t row = 0, per_split[4] = {0, 0, 0, 0};
  for (const Part& part : parts) {
    for (std::size_t i = 0; i < part.reader->size(); ++i, ++row) {
      DatasetSample sample = part.reader->read(i);
      sample.split = splits[row];
      ++per_split[sample.split];
      writer.append(sample);
    }
  }
  writer.finish();
  const double merge_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (with_report) {
    report["splits"] = {{"train", per_split[kTrain]},
                        {"validation", per_split[kValidation]},
                        {"test", per_split[kTest]},
                        {"unused", per_split[kUnused]}};
    report["merge_seconds"] = merge_seconds;
    report["result"] = "ok";
    write_text_file_atomically(report_path, report.dump(2) + "\n");
  }
  writer.commit();  // dataset.h5, which make looks at, after its report
  log_info("merged ", parts.size(), " shards into ", out_path, ": ", row, " samples; train ", per_split[kTrain],
           ", validation ", per_split[kValidation], ", test ", per_split[kTest], ", unused ", per_split[kUnused], " (",
           merge_seconds, " s)", with_report ? "; report " + report_path : std::string());
  return kExitOk;
}

}  // namespace due
