#include "stages/preprocess.h"

#include <filesystem>
#include <sstream>

#include "cli/logging.h"
#include "cli/tool.h"
#include "data/phantom_dataset.h"
#include "data/scan_sources.h"
#include "data/shards.h"
#include "io/atomic_output.h"
#include "io/output_paths.h"
#include "stages/output_settings.h"
#include "util/errors.h"

namespace due {
namespace {

std::string shortest_text(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

}  // namespace

std::string preprocess_report_path(const std::string& out_path) {
  const std::filesystem::path folder = std::filesystem::path(out_path).parent_path();
  return folder.empty() ? std::string("preprocess_report.json") : (folder / "preprocess_report.json").string();
}

SplitConfig split_config_from(const Config& config) {
  SplitConfig s;
  s.train_fraction = config.get_float("preprocess.split.train_fraction");
  s.val_fraction = config.get_float("preprocess.split.val_fraction");
  if (s.train_fraction < 0 || s.val_fraction < 0 || s.train_fraction + s.val_fraction > 1.0 + 1e-9)
    config.fail("preprocess.split", "fractions must be >= 0 and train + validation <= 1, got train " +
                                        shortest_text(s.train_fraction) + ", validation " +
                                        shortest_text(s.val_fraction));
  const std::int64_t train_size = config.get_int("preprocess.split.train_size");
  if (train_size < 0) config.fail("preprocess.split.train_size", "must be >= 0");
  s.train_size = static_cast<std::size_t>(train_size);
  s.balance_train = config.get_bool("preprocess.split.balance_train");
  return s;
}

namespace {

std::size_t count_option(const Config& config, const std::string& key) {
  const std::int64_t value = config.get_int(key);
  if (value < 0) config.fail(key, "must be >= 0");
  return static_cast<std::size_t>(value);
}

int run_scan_source(ToolContext& context, const std::string& out_path, const std::string& source,
                    const ShardSpec& shard) {
  const Config& config = context.config;
  const std::string root = config.get_string("preprocess.root");
  if (root.empty()) throw UsageError("--source " + source + " needs --root DIR (the downloaded data)");
  BlockSettings settings = block_settings_from(config);
  const std::size_t limit = count_option(config, "preprocess.limit_patients");
  std::vector<ScanJob> jobs;
  std::string description;
  if (source == "lidc") {
    LidcGrouping grouping;
    grouping.distance_mm = config.get_float("preprocess.lidc.group_distance_mm");
    grouping.max_readers = count_option(config, "preprocess.lidc.max_readers");
    if (grouping.max_readers < 1) config.fail("preprocess.lidc.max_readers", "must be at least 1");
    settings.rater_slots = grouping.max_readers;
    jobs = lidc_jobs(root, settings, grouping, limit, context.seed);
    description = "LIDC-IDRI from " + root;
  } else if (source == "nifti") {
    jobs = nifti_jobs(root, config.get_string("preprocess.nifti.labels_csv"), settings, limit);
    description = "NIfTI folder " + root;
  } else {
    PancreasLayout layout;
    layout.msd_dir = config.get_string("preprocess.pancreas.msd_dir");
    layout.nih_images_dir = config.get_string("preprocess.pancreas.nih_images_dir");
    layout.nih_labels_dir = config.get_string("preprocess.pancreas.nih_labels_dir");
    jobs = pancreas_jobs(root, layout, settings, limit);
    description = "pancreas: MSD Task07 tumours and NIH Pancreas-CT normals from " + root;
  }
  std::ostringstream blocks;
  blocks << "; blocks of " << settings.shape.depth << "x" << settings.shape.height << "x" << settings.shape.width;
  description += blocks.str();

  ScanDatasetOptions options;
  options.out_path = out_path;
  options.report_path = preprocess_report_path(out_path);
  // Shards share a folder, so each report is named after its part; the merge sums them into preprocess_report.json.
  if (shard.active()) options.report_path = shard_report_path(out_path);
  options.shard = shard;
  options.source_description = description;
  options.layout = DatasetLayout{settings.shape, settings.rater_slots};
  options.split = split_config_from(config);
  options.seed = context.seed;
  options.threads = context.threads;
  options.gzip_level = gzip_level_from(config);
  options.strict = config.get_bool("preprocess.strict");
  options.export_nifti_dir = config.get_string("preprocess.export_nifti");
  if (!options.export_nifti_dir.empty()) prepare_output_folder("--export-nifti", options.export_nifti_dir);
  const ScanDatasetSummary s = write_scan_dataset(jobs, options, context.provenance());
  if (shard.active()) {
    log_info("wrote shard ", shard.text(), " ", out_path, ": ", s.samples, " samples (", s.positives, " positive) from ",
             s.scans - s.skipped, " of ", s.scans, " scans, no splits until the merge; ",
             60.0 * static_cast<double>(s.scans) / std::max(s.seconds, 1e-9), " scans/min, peak memory ", s.peak_rss_mb,
             " MB; report ", options.report_path);
    return kExitOk;
  }
  log_info("wrote ", out_path, ": ", s.samples, " samples (", s.positives, " positive) from ", s.scans - s.skipped,
           " of ", s.scans, " scans; train ", s.per_split[0], ", validation ", s.per_split[1], ", test ",
           s.per_split[2], ", unused ", s.per_split[3], "; ", 60.0 * static_cast<double>(s.scans) / std::max(s.seconds, 1e-9),
           " scans/min, peak memory ", s.peak_rss_mb, " MB; report ", options.report_path);
  return kExitOk;
}

}  // namespace

int run_preprocess(ToolContext& context, const std::string& out_path, const std::string& shard_text) {
  if (out_path.empty()) throw UsageError("--out FILE is required");
  const ShardSpec shard = parse_shard(shard_text);
  const Config& config = context.config;
  const std::string source = config.get_string("preprocess.source");
  if (source == "phantom") {
    if (!config.get_string("preprocess.export_nifti").empty())
      config.fail("preprocess.export_nifti", "exports scans (lidc, pancreas, nifti); phantoms have no scan to export");
    const PhantomConfig phantom = phantom_config_from(config);
    const PhantomDatasetSummary s =
        write_phantom_dataset(out_path, phantom, split_config_from(config), context.seed, context.threads,
                              context.provenance(), gzip_level_from(config), shard);
    if (shard.active()) {
      log_info("wrote shard ", shard.text(), " ", out_path, ": ", s.samples, " samples (", s.positives, " positive) from ",
               s.patients, " patients, no splits until the merge");
      return kExitOk;
    }
    log_info("wrote ", out_path, ": ", s.samples, " samples (", s.positives, " positive) from ", s.patients,
             " patients; train ", s.per_split[0], ", validation ", s.per_split[1], ", test ", s.per_split[2],
             ", unused ", s.per_split[3], "; ", s.seconds > 0 ? static_cast<double>(s.samples) / s.seconds : 0.0,
             " samples/s");
    return kExitOk;
  }
  if (source == "lidc" || source == "pancreas" || source == "nifti")
    return run_scan_source(context, out_path, source, shard);
  config.fail("preprocess.source", "must be one of phantom, lidc, pancreas, nifti; got '" + source + "'");
}

}  // namespace due
