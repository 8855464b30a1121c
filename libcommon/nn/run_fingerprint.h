#pragma once
// What a training run's weights depend on besides its length: the training settings of the config, the seed, the
// thread count and device, and the identity of each input file. Each training checkpoint stores it, and --resume
// continues only from a checkpoint whose fingerprint equals the current run's, so a changed setting or input never
// hands back weights trained under the old ones: InputError (exit 2), one line naming every entry that differs.
//
// An input file's identity is its size and modification time (nanoseconds), not its path: a moved or renamed
// folder still resumes, a rewritten or another file does not (a copy without preserved times is refused too).
// The run's length (epochs, steps) and when it writes checkpoints and log rows are left out by the callers, so a
// run may be resumed to train longer.
#include <cstdint>
#include <map>
#include <set>
#include <string>

namespace due {

class CheckpointReader;
class CheckpointWriter;
class Config;

class RunFingerprint {
 public:
  // One entry, e.g. ("seed", "3").
  void add(const std::string& name, const std::string& value);
  // The runtime every stage's numbers depend on: the seed, the LibTorch thread count (CPU reductions are summed in
  // a thread-dependent order, docs/architecture.md) and the device.
  void add_runtime(std::uint64_t seed, int threads, const std::string& device);
  // Every key under the config map `section` ("npvae", "interpolator.train"), flattened to dotted names, except
  // those in `excluded` (full dotted names). Numbers are compared by value: 1.0e-3 and 0.001 are one setting.
  void add_config(const Config& config, const std::string& section, const std::set<std::string>& excluded = {});
  // An input file under its flag ("--data"): size and modification time. "" (the flag not given) is recorded as
  // such. A file that cannot be stat'ed is an InputError naming it.
  void add_file(const std::string& flag, const std::string& path);

  bool empty() const { return entries_.empty(); }
  // "name=value" lines, sorted by name: what a checkpoint stores.
  std::string to_text() const;
  static RunFingerprint from_text(const std::string& text);
  // "" when equal; otherwise every entry that differs, as "NAME: A when the checkpoint was written, B now",
  // settings before input files, joined by "; " (one line).
  std::string differences_from(const RunFingerprint& saved) const;

 private:
  std::map<std::string, std::string> entries_;
  std::map<std::string, std::string> labels_;  // how an entry is named in a message: "--data /x/dataset.h5"
};

// Stores `fingerprint` in a checkpoint being written.
void store_run_fingerprint(CheckpointWriter& writer, const RunFingerprint& fingerprint);
// Throws InputError "CHECKPOINT: was written by another run (DIFFERENCE); delete it or run without --resume"
// when the checkpoint's fingerprint differs from `current`, or when it has none (written before fingerprints).
void check_run_fingerprint(const CheckpointReader& checkpoint, const RunFingerprint& current);

}  // namespace due
