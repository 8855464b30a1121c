#include "util/text.h"

namespace due {

std::string trimmed(std::string text) {
  const auto last = text.find_last_not_of(std::string(" \t\r\n\0", 5));
  text.erase(last == std::string::npos ? 0 : last + 1);
  const auto first = text.find_first_not_of(" \t");
  return first == std::string::npos ? std::string() : text.substr(first);
}

std::string first_line(const std::string& text) { return trimmed(text.substr(0, text.find('\n'))); }

}  // namespace due
