#pragma once
// Every output is written under a temporary name in its final folder and renamed when complete, so a stage
// that crashes or is killed never leaves a file under the final name that `make` would take as done.
#include <string>

namespace due {

class AtomicOutput {
 public:
  // Checks that the folder exists and is writable (InputError otherwise) and picks a temporary name
  // ".NAME.tmp-PID-N" beside the final path.
  explicit AtomicOutput(std::string final_path);
  ~AtomicOutput();  // removes the temporary file unless committed
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }
  // Flushes the temporary file to disk and renames it to the final path (atomic within a file system).
  void commit();
  bool committed() const { return committed_; }

 private:
  std::string final_path_;
  std::string temp_path_;
  bool committed_ = false;
  int slot_ = -1;
};

// Removes the temporary files of unfinished outputs when the process gets SIGINT, SIGTERM, SIGHUP or SIGUSR1,
// then lets the signal end the process as it would have. A signal ignored at the call stays ignored. Called once
// by the tool runner; training stages replace the SIGTERM/SIGUSR1 handlers for a while (nn/stop_request.h).
void install_interrupt_cleanup();

// A signal handler: unlinks the temporary files of every unfinished output, then ends the process as the
// unhandled signal would. Async-signal-safe.
extern "C" void remove_unfinished_outputs_and_reraise(int signal_number);

// True when the process ignores `signal_number` (SIG_IGN, e.g. SIGHUP under nohup): handlers leave it so.
bool signal_ignored(int signal_number);

}  // namespace due
