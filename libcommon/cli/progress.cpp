#include "cli/progress.h"

#include <cmath>
#include <sstream>

#include <unistd.h>

#include "cli/logging.h"

namespace due {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto total = static_cast<long long>(std::llround(seconds));
  const long long h = total / 3600, m = (total % 3600) / 60, s = total % 60;
  char buffer[32];
  if (h > 0) {
    std::snprintf(buffer, sizeof buffer, "%lldh%02lldm", h, m);
  } else if (m > 0) {
    std::snprintf(buffer, sizeof buffer, "%lldm%02llds", m, s);
  } else {
    std::snprintf(buffer, sizeof buffer, "%llds", s);
  }
  return buffer;
}

std::string format_progress(const std::string& label, std::uint64_t done, std::uint64_t total, double elapsed_seconds,
                            const std::string& unit) {
  std::ostringstream out;
  out << label << ' ' << done << '/' << total;
  if (total > 0) {
    char percent[16];
    std::snprintf(percent, sizeof percent, " (%.1f%%)", 100.0 * static_cast<double>(done) / static_cast<double>(total));
    out << percent;
  }
  if (elapsed_seconds > 0 && done > 0) {
    const double rate = static_cast<double>(done) / elapsed_seconds;
    char rate_text[48];
    std::snprintf(rate_text, sizeof rate_text, " %.2f %s/s", rate, unit.c_str());
    out << rate_text;
    if (done < total) {
      out << ", ETA " << format_duration(static_cast<double>(total - done) / rate);
    } else {
      out << ", " << format_duration(elapsed_seconds);
    }
  }
  return out.str();
}

Progress::Progress(std::string label, std::uint64_t total, std::string unit, double period_seconds)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      period_seconds_(period_seconds),
      terminal_(isatty(fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() {
  if (!finished_ && terminal_ && done_ > 0) std::fputs("\n", stderr);
}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::advance(std::uint64_t n) {
  done_ += n;
  if (finished_ || log_level() > LogLevel::info) return;
  const auto now = std::chrono::steady_clock::now();
  const double since_draw = std::chrono::duration<double>(now - last_draw_).count();
  // A terminal line is cheap to redraw; a log gets a line only every period.
  if (since_draw >= (terminal_ ? 0.1 : period_seconds_)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish() {
  if (finished_) return;
  finished_ = true;
  if (log_level() > LogLevel::info) return;
  draw(true);
}

void Progress::draw(bool final_line) {
  const std::string line = format_progress(label_, done_, total_, elapsed_seconds(), unit_);
  if (terminal_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
    std::fflush(stderr);
  } else {
    log_info(line);
  }
}

}  // namespace due
