#include "nn/training_log.h"

#include <sstream>

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

}  // namespace due
