#pragma once
// Timestamped log lines on stderr. Stdout stays free for data a tool prints on request (--print-config).
#include <sstream>
#include <string>

namespace due {

enum class LogLevel { debug = 0, info = 1, warn = 2, error = 3, quiet = 4 };

// Throws InputError naming the accepted values when the name is unknown.
LogLevel parse_log_level(const std::string& name);
void set_log_level(LogLevel level);
LogLevel log_level();
void set_log_tool_name(const std::string& tool);

void log_message(LogLevel level, const std::string& message);

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

template <typename... Parts>
void log_debug(const Parts&... parts) {
  if (log_level() <= LogLevel::debug) log_message(LogLevel::debug, detail::concat(parts...));
}
template <typename... Parts>
void log_info(const Parts&... parts) {
  if (log_level() <= LogLevel::info) log_message(LogLevel::info, detail::concat(parts...));
}
template <typename... Parts>
void log_warn(const Parts&... parts) {
  if (log_level() <= LogLevel::warn) log_message(LogLevel::warn, detail::concat(parts...));
}

}  // namespace due
