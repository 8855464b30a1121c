#pragma once
// The real-data side of due-preprocess: scans processed in parallel (one scan in memory per worker), their
// blocks written in scan order, unusable scans skipped and reported, splits decided once every sample is known.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/shards.h"
#include "data/splits.h"
#include "io/dataset_store.h"
#include "io/provenance.h"

namespace due {

struct ScanOutcome {
  std::vector<DatasetSample> samples;  // id and patient set by the job; split decided later
  std::string skipped;                 // non-empty: nothing usable, and why (one line)
  std::vector<std::string> notes;      // usable, but worth reporting (e.g. ROIs on absent slices)
  // Faults in the inputs that changed what was made (an ROI outside the image, a slice file that is not DICOM),
  // one line each naming the file: warned, listed in the report, and exit 2 under --strict.
  std::vector<std::string> problems;
};

struct ScanJob {
  std::string name;  // what the report calls it (a patient folder, a file)
  std::function<ScanOutcome()> run;
  std::string patient;  // whose samples it makes: shards never split a patient
};

struct ScanDatasetOptions {
  std::string out_path;
  std::string report_path;        // preprocess_report.json
  std::string source_description;
  DatasetLayout layout;
  SplitConfig split;
  std::uint64_t seed = 0;
  int threads = 1;
  int gzip_level = 1;
  bool strict = false;            // any skipped scan fails the run
  std::string export_nifti_dir;   // "" = no export
  // Active: only this shard's patients, into a partial file without splits (data/shards.h); the report goes
  // to report_path all the same, and a shard without usable scans is not an error (the merge counts them all).
  ShardSpec shard;
};

struct ScanDatasetSummary {
  std::size_t scans = 0, skipped = 0, samples = 0, positives = 0;
  std::size_t problems = 0;  // ScanOutcome::problems, all scans together
  std::size_t per_split[4] = {0, 0, 0, 0};
  double seconds = 0;
  double peak_rss_mb = 0;
};

// Throws InputError when nothing usable remains, or when `strict` and a scan was skipped or an input problem was
// found (the report is written in both cases; the dataset only on success).
ScanDatasetSummary write_scan_dataset(const std::vector<ScanJob>& jobs, const ScanDatasetOptions& options,
                                      const Provenance& provenance);

// Peak resident memory of this process so far, in MB.
double peak_rss_mb();

}  // namespace due
