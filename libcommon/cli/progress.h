#pragma once
// A progress line for long loops: done/total, rate and ETA. On a terminal it redraws one line in place;
// otherwise (a log file, a cluster job) it prints a plain line every `period_seconds`, so logs stay readable.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace due {

// "phantoms 12/80 (15.0%) 3.20 samples/s, ETA 21s" — exposed for tests.
std::string format_progress(const std::string& label, std::uint64_t done, std::uint64_t total, double elapsed_seconds,
                            const std::string& unit);
// "1h02m", "3m05s", "12s"
std::string format_duration(double seconds);

class Progress {
 public:
  Progress(std::string label, std::uint64_t total, std::string unit = "items", double period_seconds = 10.0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::uint64_t n = 1);
  // Prints the final line (always, even when nothing was drawn before) and stops redrawing.
  void finish();
  double elapsed_seconds() const;
  std::uint64_t done() const { return done_; }

 private:
  void draw(bool final_line);

  std::string label_;
  std::string unit_;
  std::uint64_t total_;
  std::uint64_t done_ = 0;
  double period_seconds_;
  bool terminal_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace due
