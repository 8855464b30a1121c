#include "cli/logging.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include <unistd.h>

#include "util/errors.h"
#include "util/timestamp.h"

namespace due {
namespace {
std::atomic<LogLevel> g_level{LogLevel::info};
std::mutex g_mutex;
std::string g_tool = "due";

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
    case LogLevel::quiet: return "quiet";
  }
  return "?";
}
}  // namespace

LogLevel parse_log_level(const std::string& name) {
  for (LogLevel level : {LogLevel::debug, LogLevel::info, LogLevel::warn, LogLevel::error, LogLevel::quiet}) {
    if (name == level_name(level)) return level;
  }
  throw InputError("log level '" + name + "' is not one of debug, info, warn, error, quiet");
}

void set_log_level(LogLevel level) { g_level = level; }
LogLevel log_level() { return g_level; }
void set_log_tool_name(const std::string& tool) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_tool = tool;
}

void log_message(LogLevel level, const std::string& message) {
  std::lock_guard<std::mutex> lock(g_mutex);
  // On a terminal a progress line may be drawn without a newline: start on a clean line.
  static const bool terminal = isatty(fileno(stderr)) != 0;
  std::fprintf(stderr, "%s%s %s [%s] %s\n", terminal ? "\r\033[K" : "", timestamp_now().c_str(), g_tool.c_str(),
               level_name(level), message.c_str());
  std::fflush(stderr);
}

}  // namespace due
