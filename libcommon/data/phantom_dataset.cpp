#include "data/phantom_dataset.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "cli/logging.h"
#include "cli/progress.h"
#include "imaging/smoothing.h"
#include "io/dataset_store.h"
#include "util/ordered_parallel.h"

namespace due {
namespace {

std::string describe_source(const PhantomConfig& c, std::size_t samples) {
  std::ostringstream out;
  out << "synthetic CT-like phantoms: " << samples << " blocks of " << c.shape.depth << "x" << c.shape.height << "x"
      << c.shape.width << " (D,H,W), spacing " << c.spacing_mm[0] << "x" << c.spacing_mm[1] << "x" << c.spacing_mm[2]
      << " mm, " << c.raters.size() << " simulated raters, consensus level " << c.consensus_level;
  return out.str();
}

}  // namespace

PhantomDatasetSummary write_phantom_dataset(const std::string& out_path, const PhantomConfig& phantom,
                                            const SplitConfig& split, std::uint64_t seed, int threads,
                                            const Provenance& provenance, int gzip_level, const ShardSpec& shard) {
  // The whole plan is cheap and every shard makes it alike, so labels and sample indices do not depend on N.
  const std::vector<PhantomSpec> all_specs = plan_phantoms(phantom, seed);
  std::vector<std::string> patients;
  std::vector<std::uint8_t> labels;
  for (const PhantomSpec& spec : all_specs) {
    patients.push_back(spec.patient);
    labels.push_back(spec.label);
  }
  ShardRange range{0, all_specs.size(), 0, 0, 0};
  std::vector<std::uint8_t> splits;
  if (shard.active()) {
    range = shard_range(patients, shard, "phantom plan");
    splits.assign(all_specs.size(), kUnused);  // decided by the merge, over every patient
  } else {
    splits = assign_splits(patients, labels, split, seed);
  }
  const std::vector<PhantomSpec> specs(all_specs.begin() + static_cast<std::ptrdiff_t>(range.first_item),
                                       all_specs.begin() + static_cast<std::ptrdiff_t>(range.end_item));

  PhantomDatasetSummary summary;
  summary.samples = specs.size();
  summary.patients = std::set<std::string>(patients.begin() + static_cast<std::ptrdiff_t>(range.first_item),
                                           patients.begin() + static_cast<std::ptrdiff_t>(range.end_item))
                         .size();
  log_info("generating ", specs.size(), " phantoms (", summary.patients, " patients", shard.active() ? ", shard " : "",
           shard.active() ? shard.text() : "", ") on ", threads, " threads into ", out_path);

  // Samples run in parallel, so each one's ITK smoothing stays on its own thread.
  set_itk_threads(1);
  // A shard describes the whole collection, as the merged file will.
  DatasetWriter writer(out_path, DatasetLayout{phantom.shape, phantom.raters.size()}, provenance,
                       describe_source(phantom, all_specs.size()), gzip_level);
  if (shard.active()) mark_partial(writer, shard, range, "");
  Progress progress("phantoms", specs.size(), "samples");
  // Workers generate ahead while this thread compresses and writes, in sample order.
  OrderedParallel<DatasetSample> generator(specs.size(), threads,
                                           [&](std::size_t i) { return generate_phantom(phantom, specs[i]); });
  for (std::size_t i = 0; i < specs.size(); ++i) {
    DatasetSample sample = generator.take(i);
    sample.split = splits[range.first_item + i];
    summary.positives += sample.label;
    ++summary.per_split[sample.split];
    writer.append(sample);
    progress.advance();
  }
  writer.commit();
  progress.finish();
  summary.seconds = progress.elapsed_seconds();
  return summary;
}

}  // namespace due
