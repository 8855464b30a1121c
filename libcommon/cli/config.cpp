#include "cli/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <unistd.h>

#include "util/errors.h"

namespace due {
namespace {

enum class ScalarKind { Bool, Int, Float, String, Any };

bool is_integer_text(const std::string& s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

bool is_number_text(const std::string& s) {
  if (s.empty()) return false;
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && !std::isspace(static_cast<unsigned char>(s.front()));
}

bool is_bool_text(const std::string& s) { return s == "true" || s == "false"; }

// A quoted scalar in the schema is a string even when it looks like a number.
bool is_quoted(const YAML::Node& node) { return node.Tag() == "!"; }

ScalarKind kind_of_default(const YAML::Node& node) {
  if (node.IsNull()) return ScalarKind::Any;
  const std::string& s = node.Scalar();
  if (is_quoted(node)) return ScalarKind::String;
  if (is_bool_text(s)) return ScalarKind::Bool;
  if (is_integer_text(s)) return ScalarKind::Int;
  if (is_number_text(s)) return ScalarKind::Float;
  return ScalarKind::String;
}

const char* kind_name(ScalarKind kind) {
  switch (kind) {
    case ScalarKind::Bool: return "true or false";
    case ScalarKind::Int: return "an integer";
    case ScalarKind::Float: return "a number";
    case ScalarKind::String: return "a string";
    case ScalarKind::Any: return "a value";
  }
  return "a value";
}

std::string describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsSequence()) return "a list";
  return "a map";
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string join_path(const std::string& path, const std::string& key) { return path.empty() ? key : path + "." + key; }

std::vector<std::string> split_key(const std::string& key) {
  std::vector<std::string> parts;
  std::stringstream stream(key);
  std::string part;
  while (std::getline(stream, part, '.')) parts.push_back(part);
  return parts;
}

[[noreturn]] void config_error(const std::string& origin, const std::string& message) {
  throw InputError("config " + origin + ": " + message);
}

// A list index in a --set key ("raters.0.level"), checked against the list's size.
std::size_t parse_list_index(const std::string& part, std::size_t size, const std::string& key,
                             const std::string& origin) {
  const bool digits = !part.empty() && part.size() < 10 && part.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoul(part) >= size)
    config_error(origin, "index " + part + " out of range in '" + key + "' (the list has " + std::to_string(size) +
                             " elements)");
  return std::stoul(part);
}

// yaml-cpp keeps the first of two equal keys in a map and drops the second without a word; a config that says
// one thing twice is a mistake to report, not to guess at.
void reject_duplicate_keys(const YAML::Node& node, const std::string& path, const std::string& origin) {
  if (node.IsMap()) {
    std::vector<std::string> seen;
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (std::find(seen.begin(), seen.end(), key) != seen.end())
        config_error(origin, "key '" + join_path(path, key) + "' is given twice (line " +
                                 std::to_string(entry.first.Mark().line + 1) + ")");
      seen.push_back(key);
      reject_duplicate_keys(entry.second, join_path(path, key), origin);
    }
  } else if (node.IsSequence()) {
    for (std::size_t i = 0; i < node.size(); ++i) reject_duplicate_keys(node[i], path + "." + std::to_string(i), origin);
  }
}

std::int64_t parse_int64(const std::string& text, bool& in_range) {
  errno = 0;
  char* end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  in_range = errno != ERANGE;
  return value;
}

}  // namespace

Config::Config(const std::string& schema_yaml) {
  try {
    schema_ = YAML::Load(schema_yaml);
  } catch (const YAML::Exception& e) {
    throw std::logic_error(std::string("built-in config schema is not valid YAML: ") + e.what());
  }
  values_ = YAML::Clone(schema_);
}

void Config::merge_file(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw InputError("config " + path + ": is a folder, not a file");
  std::ifstream in(path);
  if (!in) throw InputError("config " + path + ": cannot open file");
  std::stringstream text;
  text << in.rdbuf();
  merge_yaml(text.str(), path);
}

void Config::merge_yaml(const std::string& text, const std::string& origin) {
  YAML::Node document;
  try {
    document = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    config_error(origin, "not valid YAML (line " + std::to_string(e.mark.line + 1) + ": " + e.msg + ")");
  }
  if (!document.IsDefined() || document.IsNull()) return;  // an empty file changes nothing
  if (!document.IsMap()) config_error(origin, "the top level must be a map of keys");
  reject_duplicate_keys(document, "", origin);
  YAML::Node merged;
  merge_node(schema_, merged, document, "", origin);
  values_ = merged;
}

// Produces in `target` the merge of `value` over the current value at `path`, checking it against `schema`.
void Config::merge_node(const YAML::Node& schema, YAML::Node& target, const YAML::Node& value, const std::string& path,
                        const std::string& origin) {
  const YAML::Node current = path.empty() ? values_ : lookup(path);
  if (schema.IsMap()) {
    if (!value.IsMap()) config_error(origin, "key '" + path + "' expects a map of keys, got " + describe(value));
    for (const auto& entry : value) {
      const std::string key = entry.first.as<std::string>();
      if (!schema[key].IsDefined()) {
        std::string suggestion;
        std::size_t best = 3;
        for (const auto& known : schema) {
          const std::string name = known.first.as<std::string>();
          const std::size_t distance = edit_distance(key, name);
          if (distance < best) {
            best = distance;
            suggestion = name;
          }
        }
        config_error(origin, "unknown key '" + join_path(path, key) + "'" +
                                 (suggestion.empty() ? "" : " (did you mean '" + join_path(path, suggestion) + "'?)"));
      }
    }
    target = YAML::Node(YAML::NodeType::Map);
    for (const auto& known : schema) {
      const std::string key = known.first.as<std::string>();
      const std::string child_path = join_path(path, key);
      if (value[key].IsDefined()) {
        YAML::Node child;
        merge_node(known.second, child, value[key], child_path, origin);
        target[key] = child;
      } else {
        target[key] = YAML::Clone(current[key]);
      }
    }
    return;
  }
  if (schema.IsSequence()) {
    if (!value.IsSequence()) config_error(origin, "key '" + path + "' expects a list, got " + describe(value));
    target = YAML::Node(YAML::NodeType::Sequence);
    for (std::size_t i = 0; i < value.size(); ++i) {
      const std::string element_path = path + "." + std::to_string(i);
      if (schema.size() == 0) {
        if (!value[i].IsScalar()) config_error(origin, "key '" + element_path + "' expects a value, got a list or map");
        target.push_back(YAML::Clone(value[i]));
        continue;
      }
      const YAML::Node element_schema = schema[0];
      if (element_schema.IsMap()) {
        // A list of records: each element starts from the schema's record and may set some of its keys.
        if (!value[i].IsMap()) config_error(origin, "key '" + element_path + "' expects a map, got " + describe(value[i]));
        YAML::Node record(YAML::NodeType::Map);
        for (const auto& known : element_schema) {
          const std::string key = known.first.as<std::string>();
          if (value[i][key].IsDefined()) {
            if (!known.second.IsScalar() && !known.second.IsNull())
              config_error(origin, "key '" + element_path + "." + key + "' must be a plain value");
            const ScalarKind kind = kind_of_default(known.second);
            const YAML::Node& v = value[i][key];
            const bool ok = v.IsScalar() && (kind == ScalarKind::Any || kind == ScalarKind::String ||
                                             (kind == ScalarKind::Bool && is_bool_text(v.Scalar())) ||
                                             (kind == ScalarKind::Int && is_integer_text(v.Scalar())) ||
                                             (kind == ScalarKind::Float && is_number_text(v.Scalar())));
            if (!ok)
              config_error(origin, "key '" + element_path + "." + key + "' expects " + kind_name(kind) + ", got " +
                                       describe(v));
            record[key] = YAML::Clone(v);
          } else {
            record[key] = YAML::Clone(known.second);
          }
        }
        for (const auto& entry : value[i]) {
          const std::string key = entry.first.as<std::string>();
          if (!element_schema[key].IsDefined()) config_error(origin, "unknown key '" + element_path + "." + key + "'");
        }
        target.push_back(record);
      } else {
        YAML::Node element;
        merge_node(element_schema, element, value[i], element_path, origin);
        target.push_back(element);
      }
    }
    origins_.emplace_back(path, origin);
    return;
  }
  // A scalar (or a null default, which accepts any scalar).
  const ScalarKind kind = kind_of_default(schema);
  if (!value.IsScalar() && !(kind == ScalarKind::Any && value.IsNull()))
    config_error(origin, "key '" + path + "' expects " + kind_name(kind) + ", got " + describe(value));
  if (value.IsScalar()) {
    const std::string& s = value.Scalar();
    const bool ok = kind == ScalarKind::Any || kind == ScalarKind::String ||
                    (kind == ScalarKind::Bool && is_bool_text(s)) || (kind == ScalarKind::Int && is_integer_text(s)) ||
                    (kind == ScalarKind::Float && is_number_text(s));
    if (!ok) config_error(origin, "key '" + path + "' expects " + kind_name(kind) + ", got " + describe(value));
  }
  target = YAML::Clone(value);
  origins_.emplace_back(path, origin);
}

void Config::apply_assignment(const std::string& assignment, const std::string& origin) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0)
    throw UsageError(origin + " expects KEY=VALUE, got '" + assignment + "'");
  set(assignment.substr(0, equals), assignment.substr(equals + 1), origin);
}

void Config::set(const std::string& key, const std::string& value_text, const std::string& origin) {
  YAML::Node value;
  try {
    value = YAML::Load(value_text);
  } catch (const YAML::Exception& e) {
    config_error(origin, "value for '" + key + "' is not valid YAML: " + e.msg);
  }
  if (!value.IsDefined()) value = YAML::Node(YAML::NodeType::Null);
  // Wrap the value in maps along the key's path (list elements are addressed by index and the whole list
  // is re-merged), then merge it like a file.
  const std::vector<std::string> parts = split_key(key);
  if (parts.empty()) config_error(origin, "empty key");
  std::vector<YAML::Node> chain{values_};
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    const YAML::Node parent = chain.back();
    std::string prefix;
    for (std::size_t j = 0; j <= i; ++j) prefix = join_path(prefix, parts[j]);
    if (parent.IsSequence() && is_integer_text(parts[i])) {
      const std::size_t index = parse_list_index(parts[i], parent.size(), key, origin);
      chain.push_back(parent[index]);
    } else if (parent.IsMap() && parent[parts[i]].IsDefined()) {
      // Copy-constructed, never assigned: assigning yaml-cpp's node for a missing key throws InvalidNode.
      chain.push_back(YAML::Node(parent[parts[i]]));
    } else {
      config_error(origin, "unknown key '" + prefix + "'");
    }
    if (!chain.back().IsMap() && !chain.back().IsSequence())
      config_error(origin, "unknown key '" + key + "' ('" + prefix + "' is a single value, it has no keys)");
  }
  YAML::Node update = value;
  for (std::size_t i = parts.size(); i-- > 0;) {
    const YAML::Node parent = chain[i];
    if (parent.IsSequence()) {
      if (!is_integer_text(parts[i])) config_error(origin, "'" + key + "': '" + parts[i] + "' is not a list index");
      const std::size_t index = parse_list_index(parts[i], parent.size(), key, origin);
      YAML::Node list = YAML::Clone(parent);
      if (list[static_cast<std::size_t>(index)].IsMap() && update.IsMap()) {
        for (const auto& entry : update) list[static_cast<std::size_t>(index)][entry.first.as<std::string>()] = entry.second;
      } else {
        list[static_cast<std::size_t>(index)] = update;
      }
      update = list;
    } else {
      YAML::Node wrapper(YAML::NodeType::Map);
      wrapper[parts[i]] = update;
      update = wrapper;
    }
  }
  YAML::Node merged;
  merge_node(schema_, merged, update, "", origin);
  values_ = merged;
}

YAML::Node Config::lookup(const std::string& key) const {
  YAML::Node node = YAML::Clone(values_);
  for (const std::string& part : split_key(key)) {
    if (node.IsMap()) {
      node = YAML::Node(node[part]);
    } else if (node.IsSequence() && is_integer_text(part) && std::stoul(part) < node.size()) {
      node = YAML::Node(node[std::stoul(part)]);
    } else {
      return YAML::Node(YAML::NodeType::Undefined);
    }
    if (!node.IsDefined()) return node;
  }
  return node;
}

namespace {
// DUE_CONFIG_TRACE=FILE: the keys this process read (has, node and every get_*), appended to FILE at exit as
// "TOOL KEY" lines. tests/workflow_e2e.sh checks with it that each stage reads only the config sections of its
// slice in Makefile.workflow (docs/workflow.md, "What reruns").
class KeyTrace {
 public:
  static void note(const std::string& key) {
    static const char* path = std::getenv("DUE_CONFIG_TRACE");
    if (path == nullptr || *path == '\0') return;
    static KeyTrace trace(path);
    const std::lock_guard<std::mutex> lock(trace.mutex_);
    trace.keys_.insert(key);
  }
  ~KeyTrace() {
    std::string text;
    for (const std::string& key : keys_) text += std::string(program_invocation_short_name) + " " + key + "\n";
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return;
    // One write: lines of stages running side by side do not interleave.
    [[maybe_unused]] const ssize_t written = ::write(fd, text.data(), text.size());
    ::close(fd);
  }

 private:
  explicit KeyTrace(std::string path) : path_(std::move(path)) {}
  std::string path_;
  std::mutex mutex_;
  std::set<std::string> keys_;
};
}  // namespace

bool Config::has(const std::string& key) const {
  KeyTrace::note(key);
  return lookup(key).IsDefined();
}

YAML::Node Config::node(const std::string& key) const {
  KeyTrace::note(key);
  YAML::Node found = lookup(key);
  if (!found.IsDefined()) throw std::logic_error("config key '" + key + "' is not in the schema");
  return found;
}

std::string Config::origin(const std::string& key) const {
  // The latest setting of the key, of a map or list holding it, or of a key inside it (a range check on a
  // group, e.g. the split fractions, is blamed on whoever last set one of them).
  for (auto it = origins_.rbegin(); it != origins_.rend(); ++it) {
    const std::string& path = it->first;
    if (key == path || key.rfind(path + ".", 0) == 0 || path.rfind(key + ".", 0) == 0) return it->second;
  }
  return "default";
}

void Config::fail(const std::string& key, const std::string& message) const {
  throw InputError("config " + origin(key) + ": key '" + key + "' " + message);
}

bool Config::get_bool(const std::string& key) const {
  const YAML::Node n = node(key);
  if (!n.IsScalar() || !is_bool_text(n.Scalar())) fail(key, "expects true or false, got " + describe(n));
  return n.Scalar() == "true";
}

std::int64_t Config::get_int(const std::string& key) const {
  const YAML::Node n = node(key);
  if (!n.IsScalar() || !is_integer_text(n.Scalar())) fail(key, "expects an integer, got " + describe(n));
  bool in_range = true;
  const std::int64_t value = parse_int64(n.Scalar(), in_range);
  if (!in_range) fail(key, "is out of the range of a 64-bit integer, got " + describe(n));
  return value;
}

double Config::get_float(const std::string& key) const {
  const YAML::Node n = node(key);
  if (!n.IsScalar() || !is_number_text(n.Scalar())) fail(key, "expects a number, got " + describe(n));
  return std::strtod(n.Scalar().c_str(), nullptr);
}

std::string Config::get_string(const std::string& key) const {
  const YAML::Node n = node(key);
  if (n.IsNull()) return "";
  if (!n.IsScalar()) fail(key, "expects a string, got " + describe(n));
  return n.Scalar();
}

namespace {
template <typename T, typename Parse>
std::vector<T> read_list(const Config& config, const std::string& key, int expected_size, const char* what,
                         Parse parse) {
  const YAML::Node n = config.node(key);
  if (!n.IsSequence()) config.fail(key, std::string("expects a list of ") + what + ", got " + describe(n));
  if (expected_size >= 0 && n.size() != static_cast<std::size_t>(expected_size))
    config.fail(key, "expects " + std::to_string(expected_size) + " " + what + ", got " + std::to_string(n.size()));
  std::vector<T> out;
  for (const auto& element : n) out.push_back(parse(element));
  return out;
}
}  // namespace

std::vector<std::int64_t> Config::get_ints(const std::string& key, int expected_size) const {
  return read_list<std::int64_t>(*this, key, expected_size, "integers", [&](const YAML::Node& e) {
    if (!e.IsScalar() || !is_integer_text(e.Scalar())) fail(key, "expects integers, got " + describe(e));
    bool in_range = true;
    const std::int64_t value = parse_int64(e.Scalar(), in_range);
    if (!in_range) fail(key, "is out of the range of a 64-bit integer, got " + describe(e));
    return value;
  });
}

std::vector<double> Config::get_floats(const std::string& key, int expected_size) const {
  return read_list<double>(*this, key, expected_size, "numbers", [&](const YAML::Node& e) {
    if (!e.IsScalar() || !is_number_text(e.Scalar())) fail(key, "expects numbers, got " + describe(e));
    return std::strtod(e.Scalar().c_str(), nullptr);
  });
}

std::vector<std::string> Config::get_strings(const std::string& key) const {
  return read_list<std::string>(*this, key, -1, "strings", [&](const YAML::Node& e) {
    if (!e.IsScalar()) fail(key, "expects strings, got " + describe(e));
    return e.Scalar();
  });
}

namespace {
// Lists of plain values and list records print on one line each, whatever style they were read in, so the
// printed config is stable and compact.
void emit(YAML::Emitter& out, const YAML::Node& node) {
  if (node.IsMap()) {
    out << YAML::BeginMap;
    for (const auto& entry : node) {
      out << YAML::Key << entry.first.as<std::string>() << YAML::Value;
      emit(out, entry.second);
    }
    out << YAML::EndMap;
  } else if (node.IsSequence()) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& element : node) emit(out, element);
    out << YAML::EndSeq;
  } else {
    out << node;
  }
}
}  // namespace

std::string Config::to_yaml() const {
  YAML::Emitter out;
  emit(out, values_);
  return std::string(out.c_str()) + "\n";
}

}  // namespace due
