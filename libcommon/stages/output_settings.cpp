#include "stages/output_settings.h"

#include <cstdint>

namespace due {

int gzip_level_from(const Config& config) {
  const std::int64_t level = config.get_int("io.gzip_level");
  if (level < 0 || level > 9) config.fail("io.gzip_level", "must be in 0..9");
  return static_cast<int>(level);
}

}  // namespace due
