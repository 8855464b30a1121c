#include "io/provenance.h"

#include "cli/logging.h"
#include "util/build_info.h"

namespace due {

Provenance make_provenance(const std::string& tool) {
  Provenance p;
  p.tool = tool;
  p.version = version();
  p.git_hash = git_hash();
  p.created = timestamp_now();
  return p;
}

}  // namespace due
