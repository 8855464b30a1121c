#pragma once
// What every output file records about how it was made.
#include <cstdint>
#include <string>

namespace due {

struct Provenance {
  std::string tool;          // "due-preprocess"
  std::string version;       // toolkit version
  std::string git_hash;      // commit the binary was built from ("-dirty" when the tree had changes)
  std::int64_t seed = 0;
  // LibTorch's CPU thread count: training results are reproducible for a fixed seed and thread count, not across
  // thread counts (docs/architecture.md). 0 in files written before this field existed.
  std::int64_t threads = 0;
  std::string config_yaml;   // the full effective configuration
  std::string command_line;  // as typed
  std::string created;       // local time stamp
  // The SLURM job and job step that ran the tool (SLURM_JOB_ID, SLURM_STEP_ID), so a file can be traced to its
  // job's log and accounting; empty outside SLURM and in files written before these fields existed.
  std::string slurm_job_id;
  std::string slurm_step_id;
};

// Calls visit(name, field) for every field, under the name files store it by (HDF5 attributes, checkpoint
// metadata), so the writers and readers of provenance share one list of fields. `P` is Provenance or const
// Provenance; seed and threads are the integer fields.
template <class P, class Visitor>
void for_each_provenance_field(P& p, Visitor&& visit) {
  visit("tool", p.tool);
  visit("version", p.version);
  visit("git_hash", p.git_hash);
  visit("seed", p.seed);
  visit("threads", p.threads);
  visit("config", p.config_yaml);
  visit("command_line", p.command_line);
  visit("created", p.created);
  visit("slurm_job_id", p.slurm_job_id);
  visit("slurm_step_id", p.slurm_step_id);
}

// Fills tool, version, git hash, time and the SLURM job and step from the environment; the caller sets seed,
// config and command line.
Provenance make_provenance(const std::string& tool);

}  // namespace due
