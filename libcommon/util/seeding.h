#pragma once
// Derives independent, reproducible random streams from one user seed, so each sample's content depends
// only on (seed, sample index) and not on thread scheduling or on how many samples come before it.
#include <cstdint>

namespace due {

// SplitMix64 finaliser: a bijective mix with good avalanche, the usual way to seed a PRNG from counters.
inline std::uint64_t mix_seed(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

inline std::uint64_t derive_seed(std::uint64_t seed, std::uint64_t stream, std::uint64_t index = 0) {
  return mix_seed(mix_seed(mix_seed(seed) ^ stream) ^ index);
}

}  // namespace due
