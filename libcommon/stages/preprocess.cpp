#include "stages/preprocess.h"

#include "cli/logging.h"
#include "cli/tool.h"
#include "data/phantom_dataset.h"
#include "util/errors.h"

namespace due {
namespace {

SplitConfig split_config_from(const Config& config) {
  SplitConfig s;
  s.train_fraction = config.get_float("preprocess.split.train_fraction");
  s.val_fraction = config.get_float("preprocess.split.val_fraction");
  if (s.train_fraction < 0 || s.val_fraction < 0 || s.train_fraction + s.val_fraction > 1.0 + 1e-9)
    config.fail("preprocess.split", "fractions must be >= 0 and train + validation <= 1");
  const std::int64_t train_size = config.get_int("preprocess.split.train_size");
  if (train_size < 0) config.fail("preprocess.split.train_size", "must be >= 0");
  s.train_size = static_cast<std::size_t>(train_size);
  s.balance_train = config.get_bool("preprocess.split.balance_train");
  return s;
}

int gzip_level_from(const Config& config) {
  const std::int64_t level = config.get_int("io.gzip_level");
  if (level < 0 || level > 9) config.fail("io.gzip_level", "must be in 0..9");
  return static_cast<int>(level);
}

}  // namespace

int run_preprocess(ToolContext& context, const std::string& out_path) {
  if (out_path.empty()) throw UsageError("--out FILE is required");
  const Config& config = context.config;
  const std::string source = config.get_string("preprocess.source");
  if (source == "phantom") {
    const PhantomConfig phantom = phantom_config_from(config);
    const PhantomDatasetSummary s = write_phantom_dataset(out_path, phantom, split_config_from(config), context.seed,
                                                          context.threads, context.provenance(), gzip_level_from(config));
    log_info("wrote ", out_path, ": ", s.samples, " samples (", s.positives, " positive) from ", s.patients,
             " patients; train ", s.per_split[0], ", validation ", s.per_split[1], ", test ", s.per_split[2],
             ", unused ", s.per_split[3], "; ", s.seconds > 0 ? static_cast<double>(s.samples) / s.seconds : 0.0,
             " samples/s");
    return kExitOk;
  }
  if (source == "lidc" || source == "pancreas" || source == "nifti")
    throw NotBuiltYet("--source " + source + " is not built yet (issue 3); --source phantom works");
  config.fail("preprocess.source", "must be one of phantom, lidc, pancreas, nifti; got '" + source + "'");
}

}  // namespace due
