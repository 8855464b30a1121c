#pragma once
// Layered configuration: the schema's defaults, then a YAML file, then command-line overrides.
// The schema is itself a YAML document of defaults; each default's form fixes the key's type
// (bool, integer, number, string, list, map). A key absent from the schema, or a value of the
// wrong type, is an InputError naming the key and where it came from.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace due {

class Config {
 public:
  // `schema_yaml` is the document of defaults (see config_schema.h for the toolkit's).
  explicit Config(const std::string& schema_yaml);

  // Merges a YAML file over the current values. Errors name the file and the key.
  void merge_file(const std::string& path);
  // Merges a YAML document (already read) over the current values; `origin` names it in errors.
  void merge_yaml(const std::string& text, const std::string& origin);
  // "a.b=value", the value parsed as YAML (so lists like [1,2,3] work).
  void apply_assignment(const std::string& assignment, const std::string& origin = "--set");
  // Sets one key from a value given as text (parsed as YAML), checked against the schema.
  void set(const std::string& key, const std::string& value_text, const std::string& origin);

  bool has(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  double get_float(const std::string& key) const;
  std::string get_string(const std::string& key) const;
  // A list of numbers; `expected_size` >= 0 requires exactly that many elements.
  std::vector<std::int64_t> get_ints(const std::string& key, int expected_size = -1) const;
  std::vector<double> get_floats(const std::string& key, int expected_size = -1) const;
  std::vector<std::string> get_strings(const std::string& key) const;
  YAML::Node node(const std::string& key) const;

  // Where the key's current value came from ("default", a file path or "--set").
  std::string origin(const std::string& key) const;

  // The effective configuration as a YAML document (what --print-config shows and provenance records).
  std::string to_yaml() const;

  // Throws InputError "config: KEY (from ORIGIN): MESSAGE" — for range checks done by consumers.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;

  // The string at `key` read by `parse` (a name -> enum parser, say); its std::invalid_argument becomes
  // fail(key, what).
  template <class Parse>
  auto parse_string(const std::string& key, Parse parse) const -> decltype(parse(std::string())) {
    try {
      return parse(get_string(key));
    } catch (const std::invalid_argument& e) {
      fail(key, e.what());
    }
  }

 private:
  YAML::Node lookup(const std::string& key) const;
  void merge_node(const YAML::Node& schema, YAML::Node& target, const YAML::Node& value, const std::string& path,
                  const std::string& origin);

  YAML::Node schema_;
  YAML::Node values_;
  std::vector<std::pair<std::string, std::string>> origins_;  // key prefix -> origin, latest last
};

}  // namespace due
