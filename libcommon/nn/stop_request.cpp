#include "nn/stop_request.h"

#include <atomic>
#include <csignal>

#include "io/atomic_output.h"

namespace due {
namespace {

// Set from the handler: a lock-free atomic is async-signal-safe where a std::mutex or a plain bool is not.
std::atomic<int> g_stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the stop flag must be lock-free to be set from a handler");

extern "C" void request_stop(int signal_number) {
  int none = 0;
  if (g_stop_signal.compare_exchange_strong(none, signal_number)) return;
  // Asked twice: the user (or the scheduler) means it. End as an unhandled signal would, without temp files.
  remove_unfinished_outputs_and_reraise(signal_number);
}

// Replaces the handler of `signal_number` unless the process ignores it; keeps the previous action in `previous`.
bool install(int signal_number, struct sigaction& previous) {
  if (signal_ignored(signal_number) || ::sigaction(signal_number, nullptr, &previous) != 0) return false;
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  // Restart interrupted reads and writes (HDF5, the checkpoint) instead of failing them with EINTR.
  action.sa_flags = SA_RESTART;
  return ::sigaction(signal_number, &action, nullptr) == 0;
}

std::string signal_name(int signal_number) {
  switch (signal_number) {
    case SIGUSR1: return "SIGUSR1";
    case SIGTERM: return "SIGTERM";
    default: return "signal " + std::to_string(signal_number);
  }
}

}  // namespace

StopOnSignal::StopOnSignal() {
  g_stop_signal.store(0);
  installed_usr1_ = install(SIGUSR1, previous_usr1_);
  installed_term_ = install(SIGTERM, previous_term_);
}

StopOnSignal::~StopOnSignal() {
  if (installed_usr1_) ::sigaction(SIGUSR1, &previous_usr1_, nullptr);
  if (installed_term_) ::sigaction(SIGTERM, &previous_term_, nullptr);
}

bool stop_requested() { return g_stop_signal.load(std::memory_order_relaxed) != 0; }

int stop_signal() { return g_stop_signal.load(); }

TrainingInterrupted::TrainingInterrupted(const std::string& where, const std::string& checkpoint)
    : std::runtime_error("interrupted by " + signal_name(stop_signal()) + " after " + where + "; checkpoint " +
                         checkpoint + " written, rerun with --resume to continue") {}

}  // namespace due
