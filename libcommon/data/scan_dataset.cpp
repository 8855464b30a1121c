#include "data/scan_dataset.h"

#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>
#include <sys/resource.h>

#include "cli/logging.h"
#include "cli/progress.h"
#include "data/scan_blocks.h"
#include "imaging/smoothing.h"
#include "io/text_output.h"
#include "util/errors.h"
#include "util/ordered_parallel.h"

namespace due {
namespace {

void write_report(const std::string& path, const nlohmann::json& report) {
  write_text_file_atomically(path, report.dump(2) + "\n");
}

}  // namespace

double peak_rss_mb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports kilobytes
}

ScanDatasetSummary write_scan_dataset(const std::vector<ScanJob>& all_jobs, const ScanDatasetOptions& options,
                                      const Provenance& provenance) {
  ShardRange range{0, all_jobs.size(), 0, 0, 0};
  if (options.shard.active()) {
    std::vector<std::string> job_patients;
    for (const ScanJob& job : all_jobs) job_patients.push_back(job.patient);
    range = shard_range(job_patients, options.shard, options.source_description);
  }
  const std::vector<ScanJob> jobs(all_jobs.begin() + static_cast<std::ptrdiff_t>(range.first_item),
                                  all_jobs.begin() + static_cast<std::ptrdiff_t>(range.end_item));
  ScanDatasetSummary summary;
  summary.scans = jobs.size();
  nlohmann::json report = {{"tool", provenance.tool},     {"git_hash", provenance.git_hash},
                           {"output", options.out_path},  {"source", options.source_description},
                           {"scans", jobs.size()},        {"skipped", nlohmann::json::array()},
                           {"notes", nlohmann::json::array()}, {"problems", nlohmann::json::array()}};
  if (options.shard.active()) {
    report["shard"] = options.shard.text();
    report["shard_patients"] = range.patients;
  }
  if (all_jobs.empty()) {
    write_report(options.report_path, report);
    throw InputError("no scans found: " + options.source_description);
  }
  log_info("processing ", jobs.size(), " scans on ", options.threads, " threads into ", options.out_path);
  set_itk_threads(1);  // scans run in parallel; each one's ITK filters stay on its worker

  DatasetWriter writer(options.out_path, options.layout, provenance, options.source_description, options.gzip_level);
  if (options.shard.active())
    mark_partial(writer, options.shard, range, std::filesystem::path(options.report_path).filename().string());
  std::vector<std::string> patients;
  std::vector<std::uint8_t> labels;
  std::set<std::string> ids;
  Progress progress("scans", jobs.size(), "scans");
  {
    OrderedParallel<ScanOutcome> outcomes(jobs.size(), options.threads, [&](std::size_t i) {
      ScanOutcome outcome;
      try {
        outcome = jobs[i].run();
        if (!options.export_nifti_dir.empty())
          for (const DatasetSample& s : outcome.samples) export_sample_nifti(options.export_nifti_dir, s, options.layout.shape);
      } catch (const InputError& e) {
        outcome = ScanOutcome{};
        outcome.skipped = e.what();
      }
      return outcome;
    });
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      ScanOutcome outcome = outcomes.take(i);
      for (const std::string& note : outcome.notes) {
        log_info(jobs[i].name, ": ", note);
        report["notes"].push_back({{"scan", jobs[i].name}, {"note", note}});
      }
      for (const std::string& problem : outcome.problems) {
        log_warn(jobs[i].name, ": ", problem);
        report["problems"].push_back({{"scan", jobs[i].name}, {"problem", problem}});
        ++summary.problems;
      }
      if (!outcome.skipped.empty() || outcome.samples.empty()) {
        const std::string why = outcome.skipped.empty() ? "no block could be cut" : outcome.skipped;
        log_warn("skipped ", jobs[i].name, ": ", why);
        report["skipped"].push_back({{"scan", jobs[i].name}, {"reason", why}});
        ++summary.skipped;
      }
      for (DatasetSample& sample : outcome.samples) {
        if (!ids.insert(sample.id).second) throw std::logic_error("duplicate sample id " + sample.id);
        patients.push_back(sample.patient);
        labels.push_back(sample.label);
        summary.positives += sample.label;
        writer.append(sample);
      }
      progress.advance();
    }
  }
  progress.finish();
  summary.samples = writer.size();
  summary.seconds = progress.elapsed_seconds();
  summary.peak_rss_mb = peak_rss_mb();
  report["samples"] = summary.samples;
  report["positives"] = summary.positives;
  report["scans_skipped"] = summary.skipped;
  report["input_problems"] = summary.problems;
  report["seconds"] = summary.seconds;
  report["scans_per_minute"] = summary.seconds > 0 ? 60.0 * static_cast<double>(jobs.size()) / summary.seconds : 0.0;
  report["peak_rss_mb"] = summary.peak_rss_mb;

  const auto fail = [&](const std::string& message) {
    report["result"] = "failed: " + message;
    write_report(options.report_path, report);
    throw InputError(message + " (see " + options.report_path + ")");
  };
  if (summary.samples == 0 && !options.shard.active()) fail("nothing usable in " + std::to_string(jobs.size()) + " scans");
  if (options.strict && summary.skipped > 0)
    fail(std::to_string(summary.skipped) + " of " + std::to_string(jobs.size()) + " scans skipped and --strict is set");
  if (options.strict && summary.problems > 0)
    fail(std::to_string(summary.problems) + " input problem(s) (warned above) and --strict is set");
  if (options.shard.active()) {
    // Splits need every patient: the merge assigns them.
    writer.set_splits(std::vector<std::uint8_t>(summary.samples, kUnused));
    writer.finish();
    report["result"] = "ok";
    write_report(options.report_path, report);
    writer.commit();  // the part make looks at, after its report
    return summary;
  }

  std::vector<std::uint8_t> splits;
  try {
    splits = assign_splits(patients, labels, options.split, options.seed);
  } catch (const InputError& e) {
    fail(e.what());
  }
  writer.set_splits(splits);
  for (std::uint8_t s : splits) ++summary.per_split[s];
  report["splits"] = {{"train", summary.per_split[kTrain]},
                      {"validation", summary.per_split[kValidation]},
                      {"test", summary.per_split[kTest]},
                      {"unused", summary.per_split[kUnused]}};
  // Both files complete on disk, then the report renamed into place and dataset.h5 last: a run killed between the
  // two renames leaves a report without the dataset that make looks at, so make runs the stage again.
  writer.finish();
  report["result"] = "ok";
  write_report(options.report_path, report);
  writer.commit();
  return summary;
}

}  // namespace due
