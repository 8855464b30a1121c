#pragma once
// The phantom source of due-preprocess: plan, split by patient, generate in parallel, write in order. With an
// active `shard`, only its patients are generated (each sample's content depends on (seed, index) alone) and the
// file is a partial one without splits, for the merge to join.
#include <cstdint>
#include <string>

#include "data/phantom.h"
#include "data/shards.h"
#include "data/splits.h"
#include "io/provenance.h"

namespace due {

struct PhantomDatasetSummary {
  std::size_t samples = 0, positives = 0, patients = 0;
  std::size_t per_split[4] = {0, 0, 0, 0};
  double seconds = 0;
};

PhantomDatasetSummary write_phantom_dataset(const std::string& out_path, const PhantomConfig& phantom,
                                            const SplitConfig& split, std::uint64_t seed, int threads,
                                            const Provenance& provenance, int gzip_level, const ShardSpec& shard = {});

}  // namespace due
