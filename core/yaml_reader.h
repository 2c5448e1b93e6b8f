// YamlMapReader: reads one YAML mapping field by field against a schema written in code,
// recording diagnostics with positions: wrong types, out-of-range numbers, and unknown keys
// (with a did-you-mean). Loaders for the launcher file, the Serve config and KubeRay manifests
// are built from it. It never throws for bad input; it reports and returns nullopt.
#pragma once

#include "core/diagnostics.h"
#include "core/yaml_source.h"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace rayctl {

// Diagnostic ids shared by every loader (the format-specific checks have their own).
namespace diag_id {
inline constexpr const char* kSyntax = "RL001";      // YAML syntax error
inline constexpr const char* kWrongType = "RL010";   // value has the wrong type
inline constexpr const char* kOutOfRange = "RL011";  // number / enum out of range
inline constexpr const char* kUnknownKey = "RL012";  // unknown key (did you mean ...)
inline constexpr const char* kMissingKey = "RL013";  // required key missing
inline constexpr const char* kDeprecated = "RL014";  // deprecated key accepted and mapped
inline constexpr const char* kBadValue = "RL015";    // value is the right type but not allowed
}  // namespace diag_id

class YamlMapReader {
 public:
  // `path` is the dotted path of this mapping for messages, e.g. "available_node_types.gpu".
  YamlMapReader(const YamlDocument& doc, YAML::Node map, std::string path, Diagnostics& diags);

  bool is_map() const { return ok_; }
  bool has(const std::string& key) const;
  YAML::Node node(const std::string& key);            // marks the key as known; null node if absent
  SourceLoc key_loc(const std::string& key) const;    // position of the key itself
  SourceLoc value_loc(const std::string& key) const;  // position of its value
  SourceLoc loc() const { return doc_.loc(map_); }

  std::optional<std::string> str(const std::string& key, bool required = false);
  std::optional<int64_t> integer(const std::string& key, int64_t min = INT64_MIN, int64_t max = INT64_MAX,
                                 bool required = false);
  std::optional<double> number(const std::string& key, double min = -1e300, double max = 1e300, bool required = false);
  std::optional<bool> boolean(const std::string& key, bool required = false);
  std::optional<std::vector<std::string>> str_list(const std::string& key, bool required = false);
  std::optional<std::string> one_of(const std::string& key, const std::vector<std::string>& allowed,
                                    bool required = false);
  // A key accepted under an old name: warns (RL014) and returns the node; `now` names the new key.
  YAML::Node deprecated(const std::string& old_key, const std::string& now);
  // Marks keys as known without reading them (kept untouched, e.g. pod templates).
  void allow(std::initializer_list<const char*> keys);
  void allow_all() { allow_all_ = true; }

  // Reports every key not read or allowed: RL012 with a did-you-mean from the known keys.
  // `severity` Error for strict schemas (launcher), Warning where extra keys are ignored (Serve).
  void report_unknown(Severity severity = Severity::Error, const std::string& extra_hint = {});

  const std::string& path() const { return path_; }
  std::string child_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  const YamlDocument& doc() const { return doc_; }
  Diagnostics& diags() { return diags_; }

 private:
  YAML::Node lookup(const std::string& key) const;
  void wrong_type(const std::string& key, const YAML::Node& n, const char* expected);
  void missing(const std::string& key);

  const YamlDocument& doc_;
  YAML::Node map_;
  std::string path_;
  Diagnostics& diags_;
  bool ok_ = false;
  bool allow_all_ = false;
  std::set<std::string> known_;
};

// Parses a scalar as a strict number: "4" yes, "4x" no. Kubernetes quantities are elsewhere.
std::optional<int64_t> parse_int(const std::string& s);
std::optional<double> parse_double(const std::string& s);

}  // namespace rayctl
