#pragma once
// LibTorch process settings every tool applies from --threads and --device.
#include <cstdint>
#include <string>

namespace due {

// Sets LibTorch's intra-op threads (0 = all cores; Debian's LibTorch starts with one, 2x slower here) and
// returns the number in effect.
int configure_threads(int requested);

// "auto" -> "cuda:0" when a GPU is usable, else "cpu"; "cpu"; "cuda" / "cuda:N" checked against the
// devices present. Throws InputError for a device that is not there or a malformed name.
std::string resolve_device(const std::string& requested);

// Seeds LibTorch's generators (CPU and, when present, CUDA).
void seed_torch(std::uint64_t seed);

}  // namespace due
