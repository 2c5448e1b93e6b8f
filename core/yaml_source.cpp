// Loading YAML with positions (yaml-cpp marks are 0-based; ours are 1-based).
#include "core/yaml_source.h"

#include "core/error.h"
#include "core/json_yaml.h"
#include "core/state_store.h"
#include "core/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>

#include <fmt/format.h>

#include <sstream>
#include <vector>

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
  if (!text)
    throw Error(ErrorKind::Io, fmt::format("cannot read {}: no such file or not readable", path), "check the path");
  return parse(path, std::move(*text));
}

namespace {

// Walks a document as every later check will, aliases expanded, and stops at kMaxYamlValues
// values or kMaxYamlDepth levels. `path` holds the maps and lists above `n`; when the walk stops
// for depth it is left in place so the caller can look for a node that contains itself.
enum class Expansion { Bounded, TooManyValues, TooDeep };

Expansion walk_expanded(const YAML::Node& n, size_t& budget, std::vector<YAML::Node>& path) {
  if (budget == 0) return Expansion::TooManyValues;
  --budget;
  if (!n.IsSequence() && !n.IsMap()) return Expansion::Bounded;
  if (path.size() >= kMaxYamlDepth) return Expansion::TooDeep;
  path.push_back(n);
  for (auto it = n.begin(); it != n.end(); ++it) {
    Expansion e = walk_expanded(n.IsSequence() ? *it : it->second, budget, path);
    if (e != Expansion::Bounded) return e;
  }
  path.pop_back();
  return Expansion::Bounded;
}

// Refuses a document no walker could finish: aliases that repeat other aliases ("billion
// laughs"), or an alias inside the node it names (a: &a [*a]), which yaml-cpp turns into a node
// that contains itself, so any recursive walk overflows the stack.
void refuse_unbounded_expansion(const YamlDocument& doc) {
  size_t budget = kMaxYamlValues;
  std::vector<YAML::Node> path;
  switch (walk_expanded(doc.root, budget, path)) {
    case Expansion::Bounded: return;
    case Expansion::TooManyValues:
      throw Error(ErrorKind::Invalid,
                  fmt::format("document {} expands to more than {} values: aliases (*name) that repeat other "
                              "aliases grow exponentially",
                              doc.index + 1, kMaxYamlValues),
                  "write the values out, or use fewer nested aliases", doc.start());
    case Expansion::TooDeep:
      for (size_t i = 0; i < path.size(); ++i)
        for (size_t j = i + 1; j < path.size(); ++j)
          if (path[j].is(path[i]))
            throw Error(ErrorKind::Invalid,
                        "this node contains an alias (*name) to its own anchor, so it repeats itself without end",
                        "an alias can only name a node whose anchor is complete; move the alias out of the node",
                        doc.loc(path[i]));
      throw Error(ErrorKind::Invalid,
                  fmt::format("document {} nests deeper than {} levels with its aliases expanded", doc.index + 1,
                              kMaxYamlDepth),
                  "flatten the structure, or use fewer aliases that name other aliases", doc.loc(path.back()));
  }
}

// The start of each document and whether it was empty (one null or empty scalar): all a first
// pass over a stream needs. Builds no nodes, so it costs no memory per document.
class DocumentStartRecorder : public YAML::EventHandler {
 public:
  YAML::Mark start;
  bool empty = false;

  void OnDocumentStart(const YAML::Mark& mark) override {
    start = mark;
    values = 0;
    empty = false;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { empty = ++values == 1; }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { count(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string& value) override {
    empty = ++values == 1 && value.empty();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    count();
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    count();
  }
  void OnMapEnd() override {}

 private:
  int values = 0;  // nodes in the current document

  void count() {
    ++values;
    empty = false;
  }
};

// The character yaml-cpp's mark points at, quoted for a message ("','"), or "a token". Marks
// count from after a UTF-8 byte order mark.
std::string describe_token_at(const std::string& text, const YAML::Mark& m) {
  size_t line_start = text.rfind("\xEF\xBB\xBF", 0) == 0 ? 3 : 0;
  for (int line = 0; line < m.line; ++line) {
    line_start = text.find('\n', line_start);
    if (line_start == std::string::npos) return "a token";
    ++line_start;
  }
  const size_t at = line_start + static_cast<size_t>(m.column);
  if (m.column < 0 || at >= text.size()) return "a token";
  const unsigned char c = static_cast<unsigned char>(text[at]);
  return c > ' ' && c < 0x7f ? fmt::format("'{}'", static_cast<char>(c)) : "a token";
}

// Runs the parser over the whole stream without building nodes and refuses what YAML::LoadAll
// would turn into an unbounded vector of documents. yaml-cpp 0.7 answers a token that cannot
// start a node (a ',' outside [ ] or { }) with an empty document and leaves the token in
// place, so every later call yields the same empty document forever (jbeder/yaml-cpp#1040).
// Syntax errors surface here as yaml-cpp exceptions, exactly as LoadAll would throw them.
void check_document_stream(const std::string& label, const std::string& text, int line_offset, int column_offset) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStartRecorder doc;
  size_t documents = 0;
  YAML::Mark previous_start;
  bool previous_empty = false;
  while (parser.HandleNextDocument(doc)) {
    const SourceLoc here{label, doc.start.line + line_offset + 1, doc.start.column + column_offset + 1};
    if (documents > 0 && previous_empty && doc.start.pos == previous_start.pos) {
      const std::string token = describe_token_at(text, doc.start);
      throw Error(ErrorKind::Invalid, fmt::format("YAML syntax error: unexpected {} where a value should start", token),
                  token == "','" ? "a ',' separates items only inside [ ] or { }; remove it, or quote the value that "
                                   "starts with it"
                                 : "remove this token, or quote the value that starts with it",
                  here);
    }
    if (++documents > kMaxYamlDocuments)
      throw Error(
          ErrorKind::Invalid,
          fmt::format("more than {} YAML documents in one file; document {} starts here", kMaxYamlDocuments, documents),
          "split the stream into several files", here);
    previous_start = doc.start;
    previous_empty = doc.empty;
  }
}

}  // namespace

YamlFile YamlFile::parse(const std::string& label, std::string text, int line_offset, int column_offset) {
  YamlFile f;
  f.file = label;
  f.text = std::move(text);
  std::vector<YAML::Node> docs;
  try {
    check_document_stream(label, f.text, line_offset, column_offset);  // first, so LoadAll is bounded
    docs = YAML::LoadAll(f.text);
  } catch (const YAML::ParserException& e) {
    SourceLoc loc{label, e.mark.line >= 0 ? e.mark.line + line_offset + 1 : 0,
                  e.mark.column >= 0 ? e.mark.column + column_offset + 1 : 0};
    throw Error(
        ErrorKind::Invalid, fmt::format("YAML syntax error: {}", e.msg),
        "fix the YAML syntax at this position (indentation, a missing ':' or an unclosed quote are common causes)",
        loc);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::Invalid, fmt::format("YAML error: {}", e.msg), {}, SourceLoc{label, 0, 0});
  }
  int index = 0;
  for (auto& d : docs) {
    if (d.IsDefined() && !d.IsNull()) {
      YamlDocument doc;
      doc.file = label;
      doc.root = d;
      doc.index = index;
      doc.line_offset = line_offset;
      doc.column_offset = column_offset;
      refuse_unbounded_expansion(doc);
      f.documents.push_back(std::move(doc));
    }
    ++index;
  }
  return f;
}

std::string yaml_kind_name(const YAML::Node& n, YamlDialect dialect) {
  if (!n.IsDefined() || n.IsNull()) return "null";
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  switch (resolve_scalar(n, dialect).kind) {
    case YamlScalar::Kind::Null: return "null";
    case YamlScalar::Kind::Bool: return "a boolean";
    case YamlScalar::Kind::Int: return "an integer";
    case YamlScalar::Kind::Float: return "a number";
    case YamlScalar::Kind::Timestamp: return "a date";
    default: return "a string";
  }
}

}  // namespace rayctl
