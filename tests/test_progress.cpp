#include <catch2/catch.hpp>

#include "cli/progress.h"

TEST_CASE("progress line: done/total, rate and ETA", "[progress]") {
  // 12 done in 4 s -> 3/s; 68 left -> 22.7 s -> "23s"
  CHECK(due::format_progress("phantoms", 12, 80, 4.0, "samples") == "phantoms 12/80 (15.0%) 3.00 samples/s, ETA 23s");
  // finished: the total time instead of an ETA
  CHECK(due::format_progress("steps", 50, 50, 125.0, "steps") == "steps 50/50 (100.0%) 0.40 steps/s, 2m05s");
  CHECK(due::format_progress("x", 0, 10, 0.0, "items") == "x 0/10 (0.0%)");
}

TEST_CASE("durations", "[progress]") {
  CHECK(due::format_duration(3725) == "1h02m");
  CHECK(due::format_duration(185) == "3m05s");
  CHECK(due::format_duration(9.4) == "9s");
}
