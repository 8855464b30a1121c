#pragma once
// Small text outputs (JSON, CSV, Markdown) written the way every output is: under a temporary name, renamed
// when complete (see atomic_output.h).
#include <string>

namespace due {

// InputError naming the file when the folder is missing or the write fails.
void write_text_file_atomically(const std::string& path, const std::string& content);

}  // namespace due
