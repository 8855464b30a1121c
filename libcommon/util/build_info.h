#pragma once

namespace due {
// Generated at build time from git (see cmake/WriteBuildInfo.cmake).
const char* version();
const char* git_hash();
}  // namespace due
