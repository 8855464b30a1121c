#include "nn/training_log.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

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
  std::vector<std::string> kept;
  if (resume_after >= 0) {
    std::ifstream in(path_);
    std::string line;
    if (in && std::getline(in, line) && line == header) {
      while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::istringstream fields(line);
        double step = 0;
        if (fields >> step && step <= static_cast<double>(resume_after)) kept.push_back(line);
      }
    }
  }
  out_.open(path_, std::ios::trunc);
  if (!out_) throw InputError(path_ + ": cannot write the training log");
  out_ << header << '\n';
  for (const std::string& line : kept) out_ << line << '\n';
  out_.flush();
}

void TrainingLog::row(const std::vector<double>& values) {
  if (values.size() != columns_.size())
    throw std::logic_error("TrainingLog: " + std::to_string(values.size()) + " values for " +
                           std::to_string(columns_.size()) + " columns");
  std::ostringstream line;
  line.precision(8);
  for (std::size_t i = 0; i < values.size(); ++i) line << (i ? "," : "") << values[i];
  out_ << line.str() << '\n';
  out_.flush();
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
