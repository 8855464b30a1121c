#pragma once
// Every output is written under a temporary name in its final folder and renamed when complete, so a stage
// that crashes or is killed never leaves a file under the final name that `make` would take as done.
//
// This is the one writer of the toolkit's files. Bytes go through write(), which checks every system call, so a
// full disk, a quota or a file-size limit is an InputError (exit status 2) of one line naming the file and the
// cause ("out/x.png: cannot write (No space left on device)"). Libraries that write a file by name and do not
// report failed writes (ITK's NIfTI writer, PLplot) write into memory through write_with_library(); HDF5, which
// does report them, writes temp_path() itself and commit() syncs it. Nothing here throws from a destructor.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace due {

class AtomicOutput {
 public:
  // Checks that the folder exists and is writable (InputError otherwise), removes the temporary files of this
  // output that runs no longer alive left behind (".NAME.tmp-PID-..." of a killed run), and picks a temporary
  // name ".NAME.tmp-PID-N" beside the final path.
  explicit AtomicOutput(std::string final_path);
  ~AtomicOutput();  // removes the temporary file unless committed; never throws
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;

  const std::string& temp_path() const { return temp_path_; }
  const std::string& final_path() const { return final_path_; }

  // Appends to the temporary file (created on the first call). InputError naming the final path and the cause.
  void write(const void* data, std::size_t size);
  void write(std::string_view text) { write(text.data(), text.size()); }

  // For a library that writes a whole file by name and may ignore failed writes: `write_file` gets a name ending
  // in `extension` (libraries choose their format by it) that leads into memory, and the bytes it left there are
  // then written with write(). Falls back to a file beside the output, checked by its size, where the system has
  // no memory files.
  void write_with_library(const std::string& extension, const std::function<void(const std::string&)>& write_file);

  // Flushes the temporary file to disk (fsync) without renaming it: outputs that belong together are all finished
  // first, then committed in order, the file `make` looks at last. InputError naming the cause.
  void finish();
  // finish(), then renames the temporary file to the final path (atomic within a file system).
  void commit();
  bool committed() const { return committed_; }

  // Throws InputError "FINAL: cannot ACTION (strerror(error_number))".
  [[noreturn]] void fail(const std::string& action, int error_number) const;

 private:
  std::string final_path_;
  std::string temp_path_;
  int fd_ = -1;
  bool finished_ = false;
  bool committed_ = false;
  int slot_ = -1;
};

// Creates an output folder (and its parents) when missing: InputError "DIR: cannot create the folder (CAUSE)".
void create_output_folder(const std::string& dir);

// Removes the temporary files of unfinished outputs (and the lock files of held outputs) when the process gets
// SIGINT, SIGTERM, SIGHUP or SIGUSR1, then lets the signal end the process as it would have. A signal ignored at
// the call stays ignored. Called once by the tool runner; training stages replace the SIGTERM/SIGUSR1 handlers for
// a while (nn/stop_request.h).
void install_interrupt_cleanup();

// A signal handler: unlinks the temporary files of every unfinished output, then ends the process as the
// unhandled signal would. Async-signal-safe.
extern "C" void remove_unfinished_outputs_and_reraise(int signal_number);

// True when the process ignores `signal_number` (SIG_IGN, e.g. SIGHUP under nohup): handlers leave it so.
bool signal_ignored(int signal_number);

// One writer per output: an advisory lock (flock) on ".NAME.lock" beside `final_path`, held while the object
// lives; its file holds the holder's PID and is removed on release (and by the signal cleanup above). A second run
// of the same output does not wait: InputError "FINAL: another run (PID N) is writing this output ...". An output
// whose folder is missing or not writable is not locked (writing it fails with that message), nor one on a file
// system without locks.
class OutputLock {
 public:
  explicit OutputLock(const std::string& final_path);
  ~OutputLock();
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  const std::string& lock_path() const { return lock_path_; }

 private:
  std::string lock_path_;
  int fd_ = -1;
  int slot_ = -1;
};

// The lock file OutputLock uses for `final_path`.
std::string output_lock_path(const std::string& final_path);

}  // namespace due
