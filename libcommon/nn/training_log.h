#pragma once
// The CSV log a training stage writes beside its model (one row per step or epoch, flushed as it goes, so a
// running job can be watched with `tail -f`). On --resume the rows after the checkpoint's step are dropped, so
// the log reads as one uninterrupted run.
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace due {

class TrainingLog {
 public:
  // `columns[0]` is the step (or epoch) column. With `resume_after` >= 0 an existing log with the same header
  // keeps its rows up to that step; otherwise the file starts afresh.
  TrainingLog(std::string path, std::vector<std::string> columns, std::int64_t resume_after = -1);

  // One value per column, in order.
  void row(const std::vector<double>& values);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> columns_;
  std::ofstream out_;
};

}  // namespace due
