#include "io/text_output.h"

#include <memory>

#include "io/atomic_output.h"

namespace due {

void write_text_file_atomically(const std::string& path, const std::string& content) {
  AtomicOutput output(path);
  output.write(content);
  output.commit();
}

void write_text_files_atomically(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::unique_ptr<AtomicOutput>> outputs;
  for (const auto& [path, content] : files) {
    outputs.push_back(std::make_unique<AtomicOutput>(path));
    outputs.back()->write(content);
    outputs.back()->finish();
  }
  for (const auto& output : outputs) output->commit();
}

}  // namespace due
