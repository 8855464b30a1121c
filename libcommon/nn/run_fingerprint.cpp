#include "nn/run_fingerprint.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "cli/config.h"
#include "nn/checkpoint.h"
#include "util/errors.h"

namespace due {
namespace {

constexpr const char* kFingerprintKey = "run_fingerprint";

// A scalar as compared: a number in its shortest round-trip form, anything else as written.
std::string canonical_scalar(const std::string& text) {
  try {
    const double value = YAML::Node(text).as<double>();
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    if (result.ec == std::errc()) return std::string(buffer, result.ptr);
  } catch (const YAML::Exception&) {
  }
  return text;
}

std::string canonical_value(const YAML::Node& node) {
  if (node.IsScalar()) return canonical_scalar(node.Scalar());
  if (node.IsSequence()) {
    std::string out = "[";
    for (std::size_t i = 0; i < node.size(); ++i) out += (i ? ", " : "") + canonical_value(node[i]);
    return out + "]";
  }
  if (node.IsNull()) return "null";
  YAML::Emitter out;  // a map inside a list: as flow YAML, on one line
  out << YAML::Flow << node;
  return out.c_str();
}

// "2026-11-22 10:04:05.123456789" in local time.
std::string modification_time(const struct stat& info) {
  std::tm local{};
  localtime_r(&info.st_mtim.tv_sec, &local);
  char seconds[32], nanoseconds[16];
  std::strftime(seconds, sizeof seconds, "%Y-%m-%d %H:%M:%S", &local);
  std::snprintf(nanoseconds, sizeof nanoseconds, ".%09ld", static_cast<long>(info.st_mtim.tv_nsec));
  return std::string(seconds) + nanoseconds;
}

}  // namespace

void RunFingerprint::add(const std::string& name, const std::string& value) { entries_[name] = value; }

void RunFingerprint::add_runtime(std::uint64_t seed, int threads, const std::string& device) {
  add("seed", std::to_string(seed));
  add("threads", std::to_string(threads));
  add("device", device);
}

void RunFingerprint::add_config(const Config& config, const std::string& section, const std::set<std::string>& excluded) {
  struct Flatten {
    const std::set<std::string>& excluded;
    std::map<std::string, std::string>& entries;
    void operator()(const YAML::Node& node, const std::string& name) const {
      if (excluded.count(name)) return;
      if (node.IsMap()) {
        for (const auto& item : node) (*this)(item.second, name + "." + item.first.Scalar());
        return;
      }
      entries[name] = canonical_value(node);
    }
  };
  Flatten{excluded, entries_}(config.node(section), section);
}

void RunFingerprint::add_file(const std::string& flag, const std::string& path) {
  if (path.empty()) {
    add(flag, "(not given)");
    return;
  }
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw InputError(path + ": cannot read (" + std::strerror(errno) + ")");
  labels_[flag] = flag + " " + path;
  add(flag, "file of " + std::to_string(static_cast<long long>(info.st_size)) + " bytes modified " +
                modification_time(info));
}

std::string RunFingerprint::to_text() const {
  std::string out;
  for (const auto& [name, value] : entries_) out += name + "=" + value + "\n";
  return out;
}

RunFingerprint RunFingerprint::from_text(const std::string& text) {
  RunFingerprint fingerprint;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t equals = line.find('=');
    if (equals != std::string::npos) fingerprint.entries_[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return fingerprint;
}

std::string RunFingerprint::differences_from(const RunFingerprint& saved) const {
  auto label = [&](const std::string& name) {
    const auto found = labels_.find(name);
    return found == labels_.end() ? name : found->second;
  };
  auto value = [](const std::map<std::string, std::string>& entries, const std::string& name) {
    const auto found = entries.find(name);
    return found == entries.end() ? std::string("not recorded") : found->second;
  };
  std::set<std::string> names;
  for (const auto& entry : entries_) names.insert(entry.first);
  for (const auto& entry : saved.entries_) names.insert(entry.first);
  // Settings first, then the input files ("--data"): an edited setting is named even when the workflow has since
  // rewritten the inputs too.
  std::string settings, inputs;
  for (const std::string& name : names) {
    const std::string then = value(saved.entries_, name), now = value(entries_, name);
    if (then == now) continue;
    std::string& list = name.rfind("--", 0) == 0 ? inputs : settings;
    list += (list.empty() ? "" : "; ") + label(name) + ": " + then + " when the checkpoint was written, " + now + " now";
  }
  return settings + (settings.empty() || inputs.empty() ? "" : "; ") + inputs;
}

void store_run_fingerprint(CheckpointWriter& writer, const RunFingerprint& fingerprint) {
  writer.set(kFingerprintKey, fingerprint.to_text());
}

void check_run_fingerprint(const CheckpointReader& checkpoint, const RunFingerprint& current) {
  if (!checkpoint.has(kFingerprintKey))
    throw InputError(checkpoint.path() +
                     ": records no run fingerprint (written by an older build), so what it was trained on cannot be "
                     "checked; delete it or run without --resume");
  const std::string difference =
      current.differences_from(RunFingerprint::from_text(checkpoint.get_string(kFingerprintKey)));
  if (!difference.empty())
    throw InputError(checkpoint.path() + ": was written by another run (" + difference +
                     "); delete it or run without --resume");
}

}  // namespace due
