#pragma once
// The CSV log a training stage writes beside its model (one row per step or epoch, written as it goes, so a
// running job can be watched with `tail -f`). On --resume the rows after the checkpoint's step are dropped, so
// the log reads as one uninterrupted run. The one output appended in place: it is created complete (header and
// kept rows) through the atomic writer, and every row's write is checked, a failed one being InputError naming
// the log and the cause ("No space left on device"). The tool runner's lock on --out keeps a second run out.
#include <cstdint>
#include <string>
#include <vector>

namespace due {

// What a row averages: the sums of the steps since the previous row. A checkpoint may fall between rows (one
// written on a stop request, nn/stop_request.h, or checkpoint_every not a multiple of log_every); it keeps the
// window, so the resumed run's next row is the one an uninterrupted run writes.
struct LogWindow {
  std::vector<double> sums;
  std::int64_t steps = 0;

  explicit LogWindow(std::size_t values) : sums(values, 0.0) {}
  void add(const std::vector<double>& values);  // one step's values, in the order of `sums`
  double mean(std::size_t i) const { return sums[i] / static_cast<double>(steps); }
  void clear();
  // For a checkpoint: the sums then the step count; restore() checks the length (InputError naming `path`).
  std::vector<double> state() const;
  void restore(const std::vector<double>& state, const std::string& path);
};

class TrainingLog {
 public:
  // `columns[0]` is the step (or epoch) column. With `resume_after` >= 0 an existing log with the same header
  // keeps its rows up to that step; otherwise the file starts afresh.
  TrainingLog(std::string path, std::vector<std::string> columns, std::int64_t resume_after = -1);
  ~TrainingLog();
  TrainingLog(const TrainingLog&) = delete;
  TrainingLog& operator=(const TrainingLog&) = delete;

  // One value per column, in order.
  void row(const std::vector<double>& values);
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::vector<std::string> columns_;
  int fd_ = -1;
};

}  // namespace due
