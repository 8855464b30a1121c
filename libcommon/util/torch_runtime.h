#pragma once
// LibTorch process settings every tool applies from --threads and --device.
#include <cstdint>
#include <string>

namespace due {

// Sets LibTorch's intra-op threads (0 = all cores; Debian's LibTorch starts with one, 2x slower here) and
// returns the number in effect.
int configure_threads(int requested);
// More threads than this many per core only slow LibTorch down (and 100000 threads never start); `threads`
// is refused above max_threads().
inline constexpr int kMaxThreadsPerCore = 4;
int max_threads();

// Keeps the memory of freed tensors in the process for the next step's tensors instead of handing it back to the
// kernel. glibc serves blocks over 32 MB (a 3D activation at the paper's size is 134 MB) with mmap and unmaps
// them on free, so every training step page-faults its whole working set in again: about a million minor faults
// and half of a 64x128x128 step's time (bench_train_step: 0.47 -> 1.0 samples/s). Called by every tool; the
// resident size stays at its peak instead of falling between steps. DUE_KEEP_FREED_MEMORY=0 turns it off.
void keep_freed_memory();

// "auto" -> "cuda:0" when a GPU is usable, else "cpu"; "cpu"; "cuda" / "cuda:N" checked against the
// devices present. Throws InputError for a device that is not there or a malformed name.
std::string resolve_device(const std::string& requested);

// Seeds LibTorch's generators (CPU and, when present, CUDA).
void seed_torch(std::uint64_t seed);

}  // namespace due
