#pragma once
// Local wall-clock time stamps, for log lines and provenance.
#include <string>

namespace due {

// "2026-11-22 10:04:05.123"
std::string timestamp_now();

}  // namespace due
