#pragma once
// Walltime-safe training. A batch scheduler sends SIGUSR1 (sbatch --signal=B:USR1@120) or SIGTERM (scancel,
// preemption, the walltime's first warning) some time before it kills a job. While a StopOnSignal is alive, the
// first such signal only sets a flag; the training loop polls stop_requested() after each step, writes its
// checkpoint and throws TrainingInterrupted, which the tool runner turns into exit status kExitInterrupted (75,
// EX_TEMPFAIL): "interrupted, checkpoint written, rerun with --resume". A second SIGUSR1/SIGTERM (or SIGINT at
// any time) ends the process as before, removing unfinished temporary outputs (io/atomic_output.h).
#include <stdexcept>
#include <string>

#include <signal.h>

namespace due {

// BSD sysexits' EX_TEMPFAIL: a temporary failure, the same command (with --resume) will succeed.
inline constexpr int kExitInterrupted = 75;

// Installs the stop-request handlers for SIGUSR1 and SIGTERM for its lifetime and restores the previous ones
// (the temp-file cleanup of install_interrupt_cleanup) after. A signal ignored when it is constructed (nohup,
// a parent's SIG_IGN) stays ignored. Clears an earlier request. Not nestable: one per training run.
class StopOnSignal {
 public:
  StopOnSignal();
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;

 private:
  struct sigaction previous_usr1_ {}, previous_term_ {};
  bool installed_usr1_ = false, installed_term_ = false;
};

// Whether a stop was requested since the current StopOnSignal was made; async-signal-safe to set, cheap to poll.
bool stop_requested();
// The signal that requested the stop (SIGUSR1 or SIGTERM), 0 when none.
int stop_signal();

// Thrown by a training loop once its checkpoint is written after a stop request.
class TrainingInterrupted : public std::runtime_error {
 public:
  // `where`: how far training got ("epoch 3, batch 2 of 5", "step 41"); `checkpoint`: the file written.
  TrainingInterrupted(const std::string& where, const std::string& checkpoint);
};

}  // namespace due
