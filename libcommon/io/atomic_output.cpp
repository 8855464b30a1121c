#include "io/atomic_output.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <unistd.h>

#include "util/errors.h"

namespace due {
namespace {

// A fixed table that a signal handler can read without allocating or locking.
constexpr int kSlots = 64;
constexpr std::size_t kPathMax = 4096;
enum SlotState : int { kFree = 0, kClaimed = 1, kReady = 2 };
struct Slot {
  std::atomic<int> state{kFree};  // the handler only reads paths of kReady slots
  char path[kPathMax];
};
std::array<Slot, kSlots> g_slots;
std::atomic<unsigned> g_counter{0};

int register_temp(const std::string& path) {
  if (path.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (g_slots[i].state.compare_exchange_strong(expected, kClaimed)) {
      std::memcpy(g_slots[i].path, path.c_str(), path.size() + 1);
      g_slots[i].state.store(kReady);
      return i;
    }
  }
  return -1;
}

void release_slot(int slot) {
  if (slot >= 0) g_slots[slot].state.store(kFree);
}

}  // namespace

extern "C" void remove_unfinished_outputs_and_reraise(int signal_number) {
  for (auto& slot : g_slots) {
    if (slot.state.load() == kReady) ::unlink(slot.path);
  }
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

bool signal_ignored(int signal_number) {
  struct sigaction current {};
  return ::sigaction(signal_number, nullptr, &current) == 0 && current.sa_handler == SIG_IGN;
}

namespace {

void sync_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

AtomicOutput::AtomicOutput(std::string final_path) : final_path_(std::move(final_path)) {
  namespace fs = std::filesystem;
  if (final_path_.empty()) throw UsageError("output path is empty");
  const fs::path target(final_path_);
  fs::path folder = target.parent_path();
  if (folder.empty()) folder = ".";
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw InputError(final_path_ + ": folder " + folder.string() + " does not exist");
  if (fs::is_directory(target, ec)) throw InputError(final_path_ + ": is a folder, not a file name");
  if (::access(folder.c_str(), W_OK) != 0) throw InputError(final_path_ + ": folder " + folder.string() + " is not writable");
  temp_path_ = (folder / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()) + "-" +
                          std::to_string(g_counter.fetch_add(1))))
                   .string();
  slot_ = register_temp(temp_path_);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) ::unlink(temp_path_.c_str());
  release_slot(slot_);
}

void AtomicOutput::commit() {
  if (committed_) return;
  sync_file(temp_path_);
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    throw InputError(final_path_ + ": cannot rename the finished temporary file into place (" +
                     std::strerror(errno) + ")");
  }
  committed_ = true;
  release_slot(slot_);
  slot_ = -1;
}

void install_interrupt_cleanup() {
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) {
    // A signal the process was started ignoring (SIGHUP under nohup) stays ignored: the user asked for that.
    if (signal_ignored(signal_number)) continue;
    std::signal(signal_number, remove_unfinished_outputs_and_reraise);
  }
}

}  // namespace due
