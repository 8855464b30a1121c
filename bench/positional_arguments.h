#pragma once
// Optional positional arguments of the benchmarks (`bench_x [a=1] [b=2]`): a missing one takes its default, a
// malformed one prints the usage line and exits 2.
#include <cstdio>
#include <cstdlib>
#include <string>

namespace due::bench {

[[noreturn]] inline void exit_with_usage(const char* usage) {
  std::fprintf(stderr, "usage: %s\n", usage);
  std::exit(2);
}

// argv[index] as an integer > 0.
inline std::size_t positive_count(int argc, char** argv, int index, std::size_t fallback, const char* usage) {
  if (argc <= index) return fallback;
  char* end = nullptr;
  const unsigned long value = std::strtoul(argv[index], &end, 10);
  if (end == argv[index] || *end != '\0' || value == 0) exit_with_usage(usage);
  return value;
}

// argv[index] as a number >= 0.
inline double non_negative_number(int argc, char** argv, int index, double fallback, const char* usage) {
  if (argc <= index) return fallback;
  char* end = nullptr;
  const double value = std::strtod(argv[index], &end);
  if (end == argv[index] || *end != '\0' || !(value >= 0)) exit_with_usage(usage);
  return value;
}

}  // namespace due::bench
