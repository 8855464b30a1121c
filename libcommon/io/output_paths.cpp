#include "io/output_paths.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "util/errors.h"

namespace due {

void refuse_folder_as_output_file(const std::string& flag, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(flag + " " + path + ": is a folder; name the file to write");
}

void prepare_output_folder(const std::string& flag, const std::string& folder) {
  const std::string named = flag + " " + folder;
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  if (ec) throw InputError(named + ": cannot create the folder (" + ec.message() + ")");
  if (!std::filesystem::is_directory(folder, ec)) throw InputError(named + ": is not a folder");
  // Try what the writes will do: create a file there (root passes permission checks, not a read-only mount).
  std::string probe = (std::filesystem::path(folder) / ".due-write-check-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) throw InputError(named + ": cannot write in the folder (" + std::strerror(errno) + ")");
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace due
