#include "io/provenance.h"

#include <cstdlib>

#include "util/build_info.h"
#include "util/timestamp.h"

namespace due {

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

Provenance make_provenance(const std::string& tool) {
  Provenance p;
  p.tool = tool;
  p.version = version();
  p.git_hash = git_hash();
  p.created = timestamp_now();
  p.slurm_job_id = environment("SLURM_JOB_ID");
  p.slurm_step_id = environment("SLURM_STEP_ID");
  return p;
}

}  // namespace due
