#pragma once
// Small text outputs (JSON, CSV, Markdown) written the way every output is: under a temporary name, renamed
// when complete (see atomic_output.h).
#include <string>
#include <utility>
#include <vector>

namespace due {

// InputError naming the file when the folder is missing or the write fails (with the cause, e.g. "No space left
// on device").
void write_text_file_atomically(const std::string& path, const std::string& content);

// Files that belong together, as (path, content): all are written and synced under temporary names first, then
// renamed in the order given, so put the one `make` looks at last. A failure before the renames leaves none.
void write_text_files_atomically(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace due
