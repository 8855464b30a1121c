#include "io/atomic_output.h"

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <vector>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
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

namespace fs = std::filesystem;

// The folder of an output; InputError when it is missing or not writable, or when the output names a folder.
fs::path checked_output_folder(const std::string& final_path) {
  if (final_path.empty()) throw UsageError("output path is empty");
  const fs::path target(final_path);
  fs::path folder = target.parent_path();
  if (folder.empty()) folder = ".";
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) throw InputError(final_path + ": folder " + folder.string() + " does not exist");
  if (fs::is_directory(target, ec)) throw InputError(final_path + ": is a folder, not a file name");
  if (::access(folder.c_str(), W_OK) != 0) throw InputError(final_path + ": folder " + folder.string() + " is not writable");
  return folder;
}

// The PID in a temporary name ".NAME.tmp-PID-N..." of the output NAME, or 0 when `entry` is not one.
pid_t temp_owner(const std::string& entry, const std::string& output_name) {
  const std::string prefix = "." + output_name + ".tmp-";
  if (entry.compare(0, prefix.size(), prefix) != 0) return 0;
  std::size_t i = prefix.size();
  long pid = 0;
  while (i < entry.size() && entry[i] >= '0' && entry[i] <= '9' && pid < (1L << 30)) pid = pid * 10 + (entry[i++] - '0');
  if (i == prefix.size() || i >= entry.size() || entry[i] != '-') return 0;
  return static_cast<pid_t>(pid);
}

// The temporary files of runs no longer alive on this machine (killed, or out of memory), found once per folder
// and process; each AtomicOutput removes those of its own output. A temp of a live process is another run's
// unfinished work and stays.
std::mutex g_stale_mutex;
std::map<std::string, std::vector<std::string>> g_stale_by_folder;  // folder -> entry names

void remove_stale_temps(const fs::path& folder, const std::string& output_name) {
  std::lock_guard<std::mutex> lock(g_stale_mutex);
  const std::string key = folder.string();
  auto it = g_stale_by_folder.find(key);
  if (it == g_stale_by_folder.end()) {
    std::vector<std::string> stale;
    std::error_code ec;
    for (fs::directory_iterator entry(folder, ec), end; !ec && entry != end; entry.increment(ec)) {
      const std::string name = entry->path().filename().string();
      if (name.size() < 6 || name[0] != '.' || name.find(".tmp-") == std::string::npos) continue;
      stale.push_back(name);
    }
    it = g_stale_by_folder.emplace(key, std::move(stale)).first;
  }
  for (const std::string& name : it->second) {
    const pid_t pid = temp_owner(name, output_name);
    if (pid <= 0 || pid == ::getpid()) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;
    ::unlink((folder / name).c_str());
  }
}

// Writes all of `size` bytes, retrying short writes; false with errno set on failure.
bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) {
      errno = ENOSPC;
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// fsync errors that only say the file system has nothing to sync.
bool sync_not_supported(int error_number) { return error_number == EINVAL || error_number == EROFS; }

}  // namespace

AtomicOutput::AtomicOutput(std::string final_path) : final_path_(std::move(final_path)) {
  const fs::path folder = checked_output_folder(final_path_);
  const std::string name = fs::path(final_path_).filename().string();
  remove_stale_temps(folder, name);
  temp_path_ = (folder / ("." + name + ".tmp-" + std::to_string(::getpid()) + "-" +
                          std::to_string(g_counter.fetch_add(1))))
                   .string();
  slot_ = register_temp(temp_path_);
}

AtomicOutput::~AtomicOutput() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
  release_slot(slot_);
}

void AtomicOutput::fail(const std::string& action, int error_number) const {
  throw InputError(final_path_ + ": cannot " + action + " (" + std::strerror(error_number) + ")");
}

void AtomicOutput::write(const void* data, std::size_t size) {
  if (committed_ || finished_) throw std::logic_error(final_path_ + ": written after it was finished");
  if (fd_ < 0) {
    fd_ = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd_ < 0) fail("create " + temp_path_, errno);
  }
  if (!write_all(fd_, static_cast<const char*>(data), size)) fail("write", errno);
}

void AtomicOutput::write_with_library(const std::string& extension,
                                      const std::function<void(const std::string&)>& write_file) {
  const int memory = ::memfd_create("due-output", MFD_CLOEXEC);
  if (memory < 0) {
    // No memory files: the library writes beside the output, and a file it left empty counts as failed.
    const std::string staged = temp_path_ + extension;
    const int slot = register_temp(staged);
    try {
      write_file(staged);
    } catch (...) {
      ::unlink(staged.c_str());
      release_slot(slot);
      throw;
    }
    struct stat info {};
    const bool written = ::stat(staged.c_str(), &info) == 0 && info.st_size > 0;
    const int rename_error = written && std::rename(staged.c_str(), temp_path_.c_str()) != 0 ? errno : 0;
    ::unlink(staged.c_str());
    release_slot(slot);
    if (!written) fail("write", ENOSPC);
    if (rename_error != 0) fail("write", rename_error);
    return;
  }
  // The library opens a link beside the output (named as it needs) that leads to the memory file.
  const std::string link = temp_path_ + extension;
  const int slot = register_temp(link);
  const auto cleanup = [&] {
    ::unlink(link.c_str());
    release_slot(slot);
    ::close(memory);
  };
  if (::symlink(("/proc/self/fd/" + std::to_string(memory)).c_str(), link.c_str()) != 0) {
    const int error_number = errno;
    cleanup();
    fail("write", error_number);
  }
  try {
    write_file(link);
  } catch (...) {
    cleanup();
    throw;
  }
  ::unlink(link.c_str());
  release_slot(slot);
  struct stat info {};
  std::vector<char> bytes;
  if (::fstat(memory, &info) == 0 && info.st_size > 0) {
    bytes.resize(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::pread(memory, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    bytes.resize(done);
  }
  ::close(memory);
  // A file-size limit (ulimit -f) applies to the memory file too, where the library's failed writes go unseen: a
  // file that reached it is cut short.
  rlimit limit{};
  if (::getrlimit(RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      static_cast<rlim_t>(info.st_size) >= limit.rlim_cur)
    fail("write", EFBIG);
  if (bytes.empty()) throw InputError(final_path_ + ": cannot write (the file came out empty)");
  write(bytes.data(), bytes.size());
}

void AtomicOutput::finish() {
  if (finished_ || committed_) return;
  if (fd_ >= 0) {
    if (::fsync(fd_) != 0 && !sync_not_supported(errno)) fail("write", errno);
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0 && errno != EINTR) fail("write", errno);
  } else {
    // Written by name (HDF5): sync what it left.
    const int fd = ::open(temp_path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
      const int error_number = ::fsync(fd) == 0 ? 0 : errno;
      ::close(fd);
      if (error_number != 0 && !sync_not_supported(error_number)) fail("write", error_number);
    }
  }
  finished_ = true;
}

void AtomicOutput::commit() {
  if (committed_) return;
  finish();
  if (std::rename(temp_path_.c_str(), final_path_.c_str()) != 0)
    fail("rename the finished temporary file into place", errno);
  committed_ = true;
  release_slot(slot_);
  slot_ = -1;
}

void create_output_folder(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir + ": cannot create the folder (" + ec.message() + ")");
}

void install_interrupt_cleanup() {
  for (int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGUSR1}) {
    // A signal the process was started ignoring (SIGHUP under nohup) stays ignored: the user asked for that.
    if (signal_ignored(signal_number)) continue;
    std::signal(signal_number, remove_unfinished_outputs_and_reraise);
  }
}

// ---------------------------------------------------------------------------------------------------------------
std::string output_lock_path(const std::string& final_path) {
  const fs::path target(final_path);
  return (target.parent_path() / ("." + target.filename().string() + ".lock")).string();
}

OutputLock::OutputLock(const std::string& final_path) : lock_path_(output_lock_path(final_path)) {
  // An output that cannot be written is not locked: writing it fails later with that message, after the checks
  // of the inputs that come first.
  fs::path folder = fs::path(final_path).parent_path();
  if (folder.empty()) folder = ".";
  std::error_code ec;
  if (final_path.empty() || !fs::is_directory(folder, ec) || ::access(folder.c_str(), W_OK) != 0) return;
  // A holder that releases unlinks the file: whoever locked that unlinked file tries again on the new one.
  for (int attempt = 0; attempt < 100 && fd_ < 0; ++attempt) {
    const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
      throw InputError(final_path + ": cannot create its lock file " + lock_path_ + " (" + std::strerror(errno) + ")");
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error_number = errno;
      if (error_number != EWOULDBLOCK) {
        // A file system without locks (ENOLCK, EOPNOTSUPP): run unlocked, as before locks existed.
        ::close(fd);
        ::unlink(lock_path_.c_str());
        return;
      }
      char text[32] = {};
      const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
      ::close(fd);
      const long pid = n > 0 ? std::strtol(text, nullptr, 10) : 0;
      throw InputError(final_path + ": another run" + (pid > 0 ? " (PID " + std::to_string(pid) + ")" : std::string()) +
                       " is writing this output (lock " + lock_path_ + "); wait for it to end or choose another output");
    }
    struct stat held {}, named {};
    if (::fstat(fd, &held) == 0 && ::stat(lock_path_.c_str(), &named) == 0 && held.st_dev == named.st_dev &&
        held.st_ino == named.st_ino) {
      fd_ = fd;
    } else {
      ::close(fd);
    }
  }
  if (fd_ < 0) throw InputError(final_path + ": cannot lock " + lock_path_ + " (it keeps being replaced)");
  slot_ = register_temp(lock_path_);
  // The holder's PID, for the message of a second run; a full disk leaves it out, the lock holds all the same.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) == 0) write_all(fd_, pid.data(), pid.size());
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(lock_path_.c_str());
  release_slot(slot_);
  ::close(fd_);
}

}  // namespace due
