#include "nn/training_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <unistd.h>

#include "io/text_output.h"
#include "util/errors.h"

namespace due {
namespace {

std::string join(const std::vector<std::string>& columns) {
  std::string line;
  for (std::size_t i = 0; i < columns.size(); ++i) line += (i ? "," : "") + columns[i];
  return line;
}

}  // namespace

TrainingLog::TrainingLog(std::string path, std::vector<std::string> columns, std::int64_t resume_after)
    : path_(std::move(path)), columns_(std::move(columns)) {
  const std::string header = join(columns_);
  std::string kept = header + '\n';
  if (resume_after >= 0) {
    std::ifstream in(path_);
    std::string line;
    if (in && std::getline(in, line) && line == header) {
      while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::istringstream fields(line);
        double step = 0;
        if (fields >> step && step <= static_cast<double>(resume_after)) kept += line + '\n';
      }
    }
  }
  write_text_file_atomically(path_, kept);
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) throw InputError(path_ + ": cannot write the training log (" + std::strerror(errno) + ")");
}

TrainingLog::~TrainingLog() {
  if (fd_ >= 0) ::close(fd_);
}

void TrainingLog::row(const std::vector<double>& values) {
  if (values.size() != columns_.size())
    throw std::logic_error("TrainingLog: " + std::to_string(values.size()) + " values for " +
                           std::to_string(columns_.size()) + " columns");
  std::ostringstream line;
  line.precision(8);
  for (std::size_t i = 0; i < values.size(); ++i) line << (i ? "," : "") << values[i];
  line << '\n';
  const std::string text = line.str();
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw InputError(path_ + ": cannot write (" + std::strerror(n < 0 ? errno : ENOSPC) + ")");
    done += static_cast<std::size_t>(n);
  }
}

void LogWindow::add(const std::vector<double>& values) {
  if (values.size() != sums.size())
    throw std::logic_error("LogWindow: " + std::to_string(values.size()) + " values for " + std::to_string(sums.size()));
  for (std::size_t i = 0; i < values.size(); ++i) sums[i] += values[i];
  ++steps;
}

void LogWindow::clear() {
  std::fill(sums.begin(), sums.end(), 0.0);
  steps = 0;
}

std::vector<double> LogWindow::state() const {
  std::vector<double> v = sums;
  v.push_back(static_cast<double>(steps));
  return v;
}

void LogWindow::restore(const std::vector<double>& state, const std::string& path) {
  if (state.size() != sums.size() + 1)
    throw InputError(path + ": its log window has " + std::to_string(state.size()) + " values, expected " +
                     std::to_string(sums.size() + 1));
  std::copy(state.begin(), state.end() - 1, sums.begin());
  steps = static_cast<std::int64_t>(state.back());
}

}  // namespace due
