// YAML files loaded with source positions. Every node of a YamlDocument keeps its
// file:line:column (yaml-cpp marks), so any later check can point at the exact place.
// Embedded YAML (KubeRay serveConfigV2 block strings) is parsed with a line/column offset so
// positions map back to the enclosing file.
#pragma once

#include "core/diagnostics.h"

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>
#include <vector>

namespace rayctl {

// Which reader's typing of plain scalars a document gets. YAML 1.2 is never right here: Ray reads
// launcher files and Serve configs with PyYAML (YAML 1.1: yes/no/on/off are booleans, 0o17 is a
// string, 017 octal, 1:30 sexagesimal, 1e3 a string), and Kubernetes reads manifests with
// sigs.k8s.io/yaml, which is goyaml v2 (YAML 1.1 booleans plus y/n, Go's number syntax).
// The typing itself is in core/json_yaml.h (resolve_scalar).
enum class YamlDialect { PyYaml, GoYamlV2 };

// One document of a (possibly multi-document) YAML stream.
struct YamlDocument {
  std::string file;  // label used in diagnostics (the path as the user gave it)
  YAML::Node root;
  int index = 0;                              // 0-based document index in the stream
  int line_offset = 0;                        // added to yaml-cpp's 0-based line, plus 1
  int column_offset = 0;                      // added to yaml-cpp's 0-based column, plus 1
  YamlDialect dialect = YamlDialect::PyYaml;  // KubeRay manifests: GoYamlV2 (set by their loaders)

  SourceLoc loc(const YAML::Node& n) const;  // position of a node (or of the document when n is null)
  SourceLoc start() const;                   // position of the document's root
};

struct YamlFile {
  std::string file;
  std::string text;
  std::vector<YamlDocument> documents;  // empty documents ("---" alone) are skipped

  // Throws Error(Invalid) with file:line:col on a syntax error (also for a stream past
  // kMaxYamlDocuments or one yaml-cpp cannot get past), Error(Io) when unreadable.
  static YamlFile load(const std::string& path);
  // Parses text already in memory. Offsets are 0-based lines/columns to add to every mark,
  // e.g. for a block scalar starting at line 20 with 6 spaces of indentation: (20, 6).
  static YamlFile parse(const std::string& label, std::string text, int line_offset = 0, int column_offset = 0);
};

// Most values a YAML document may expand to through its aliases. Nested aliases that repeat
// other aliases grow exponentially ("billion laughs": ten lines, 10^9 values), and every walk
// over a document expands them: YamlFile::parse refuses a document past this (or past
// kMaxYamlDepth), and yaml_to_json stops there for nodes that did not come through it.
inline constexpr size_t kMaxYamlValues = 100'000;

// Deepest nesting a document may reach with its aliases expanded; walkers recurse, so this bounds
// their stack. yaml-cpp's parser already refuses more than 500 written levels; aliases that name
// aliases add more, and an alias inside the node it names (a: &a [*a]) nests without end.
inline constexpr size_t kMaxYamlDepth = 1000;

// Most documents one YAML stream may hold; YamlFile::parse refuses a stream with more. Far
// above any real config or manifest, it bounds memory for streams of thousands of "---".
inline constexpr size_t kMaxYamlDocuments = 1000;

// Name of a YAML node's type for messages: "a mapping", "a list", "a string", "null" (PyYAML typing).
std::string yaml_kind_name(const YAML::Node& n, YamlDialect dialect = YamlDialect::PyYaml);

}  // namespace rayctl
