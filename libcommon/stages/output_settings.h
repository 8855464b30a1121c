#pragma once
// Output settings every stage that writes an HDF5 file reads from the config, checked in one place.
#include "cli/config.h"

namespace due {

// io.gzip_level, 0..9 (config.fail naming the key otherwise).
int gzip_level_from(const Config& config);

}  // namespace due
