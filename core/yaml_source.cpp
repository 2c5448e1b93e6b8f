// Loading YAML with positions (yaml-cpp marks are 0-based; ours are 1-based).
#include "core/yaml_source.h"

#include "core/error.h"
#include "core/state_store.h"
#include "core/yaml_reader.h"

#include <fmt/format.h>


namespace rayctl {

SourceLoc YamlDocument::loc(const YAML::Node& n) const {
  if (!n.IsDefined()) return start();
  YAML::Mark m = n.Mark();
  if (m.line < 0 || m.column < 0) return start();
  return {file, m.line + line_offset + 1, m.column + column_offset + 1};
}

SourceLoc YamlDocument::start() const {
  if (root.IsDefined()) {
    YAML::Mark m = root.Mark();
    if (m.line >= 0) return {file, m.line + line_offset + 1, m.column + column_offset + 1};
  }
  return {file, line_offset + 1, column_offset + 1};
}

YamlFile YamlFile::load(const std::string& path) {
  std::optional<std::string> text = read_file(path);
  if (!text) throw Error(ErrorKind::Io, fmt::format("cannot read {}: no such file or not readable", path), "check the path");
  return parse(path, std::move(*text));
}

namespace {

bool expands_within(const YAML::Node& n, size_t& budget) {
  if (budget == 0) return false;
  --budget;
  if (n.IsSequence() || n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (n.IsSequence() ? !expands_within(*it, budget) : !expands_within(it->second, budget)) return false;
    }
  }
  return true;
}

}  // namespace

YamlFile YamlFile::parse(const std::string& label, std::string text, int line_offset, int column_offset) {
  YamlFile f;
  f.file = label;
  f.text = std::move(text);
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(f.text);
  } catch (const YAML::ParserException& e) {
    SourceLoc loc{label, e.mark.line >= 0 ? e.mark.line + line_offset + 1 : 0,
                  e.mark.column >= 0 ? e.mark.column + column_offset + 1 : 0};
    throw Error(ErrorKind::Invalid, fmt::format("YAML syntax error: {}", e.msg),
                "fix the YAML syntax at this position (indentation, a missing ':' or an unclosed quote are common causes)",
                loc);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::Invalid, fmt::format("YAML error: {}", e.msg), {}, SourceLoc{label, 0, 0});
  }
  int index = 0;
  for (auto& d : docs) {
    if (d.IsDefined() && !d.IsNull()) {
      size_t budget = kMaxYamlValues;
      if (!expands_within(d, budget))
        throw Error(ErrorKind::Invalid,
                    fmt::format("document {} expands to more than {} values: aliases (*name) that repeat other "
                                "aliases grow exponentially",
                                index + 1, kMaxYamlValues),
                    "write the values out, or use fewer nested aliases",
                    SourceLoc{label, d.Mark().line + line_offset + 1, d.Mark().column + column_offset + 1});
      YamlDocument doc;
      doc.file = label;
      doc.root = d;
      doc.index = index;
      doc.line_offset = line_offset;
      doc.column_offset = column_offset;
      f.documents.push_back(std::move(doc));
    }
    ++index;
  }
  return f;
}

std::string yaml_kind_name(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "null";
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  if (n.Tag() == "!") return "a string";  // quoted
  const std::string& v = n.Scalar();
  if (v == "true" || v == "false" || v == "True" || v == "False") return "a boolean";
  if (parse_int(v)) return "an integer";
  if (parse_double(v)) return "a number";
  return "a string";
}

}  // namespace rayctl
