#include "io/text_output.h"

#include <fstream>

#include "io/atomic_output.h"
#include "util/errors.h"

namespace due {

void write_text_file_atomically(const std::string& path, const std::string& content) {
  AtomicOutput output(path);
  {
    std::ofstream out(output.temp_path(), std::ios::binary);
    out << content;
    out.flush();
    if (!out) throw InputError(path + ": cannot write");
  }
  output.commit();
}

}  // namespace due
