// Diagnostics: what rayctl says about a user's file before anything runs.
// A Diagnostic has a stable id (RLnnn), a severity, the primary location, an optional
// related location ("both locations involved"), a message and a hint. Rendering for
// humans (compiler style, with source line + caret on a TTY) and JSON lives here too.
// This file does not decide *what* is wrong: the checks live with the formats they check.
#pragma once

#include <iosfwd>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

struct IOStreams;
struct YamlFile;

// A point in a source file, 1-based. line == 0 means "no position" (e.g. a live object).
struct SourceLoc {
  std::string file;
  int line = 0;
  int column = 0;

  bool known() const { return line > 0; }
  std::string str() const;  // "file:line:col", or just "file" when no position
};

enum class Severity { Error, Warning, Note };
const char* severity_name(Severity s);  // "error", "warning", "note"

struct Diagnostic {
  std::string id;  // stable, e.g. "RL012"; documented in man/rayctl-validate.1
  Severity severity = Severity::Error;
  SourceLoc loc;
  std::string message;
  std::string hint;  // how to fix it; may be empty
  std::optional<SourceLoc> related;
  std::string related_message;  // e.g. "largest worker group 'gpu' offers 1 GPU"
};

// An ordered collection of diagnostics produced by loading + checking one or more files.
class Diagnostics {
 public:
  Diagnostic& add(Diagnostic d);
  Diagnostic& error(std::string id, SourceLoc loc, std::string message, std::string hint = {});
  Diagnostic& warning(std::string id, SourceLoc loc, std::string message, std::string hint = {});
  void append(const Diagnostics& other);

  const std::vector<Diagnostic>& items() const { return items_; }
  size_t error_count() const;
  size_t warning_count() const;
  bool has_errors() const { return error_count() > 0; }
  bool empty() const { return items_.empty(); }
  // Stable order for output: by file, line, column, then insertion.
  void sort();

 private:
  std::vector<Diagnostic> items_;
};

// Source text cache so the renderer can show the offending line.
class SourceCache {
 public:
  void add(const std::string& file, std::string text);  // register text (also for in-memory docs)
  // The 1-based line of a file, reading the file from disk on first use; nullopt if unavailable.
  std::optional<std::string> line(const std::string& file, int line);

 private:
  std::map<std::string, std::vector<std::string>> lines_;
};

struct RenderOptions {
  bool color = false;        // ANSI colours (TTY and no NO_COLOR)
  bool show_source = false;  // source line + caret (TTY)
};

// Compiler-style: "file:14:7: error[RL012]: message\n   14 | src\n      |       ^\n  hint: ..."
void render_diagnostic(std::ostream& os, const Diagnostic& d, SourceCache& sources, const RenderOptions& opt);
void render_diagnostics(std::ostream& os, const Diagnostics& ds, SourceCache& sources, const RenderOptions& opt);

// Renders on io.err: source lines only when io.err is a TTY, colour per io.color.
void print_diagnostics(IOStreams& io, const Diagnostics& ds, SourceCache& sources);

// The diagnostics of one loaded file, printed with print_diagnostics (the file's text serves
// the source lines). Throws Error(Invalid) "PATH: WHAT has N error(s)" with `hint` when any is
// an error, so every command that loads a spec stops the same way.
void report_diagnostics(const Diagnostics& ds, const YamlFile& file, IOStreams& io, const std::string& what,
                        const std::string& hint);

// Stable JSON shape (documented in man/rayctl.1, OUTPUT): {id, severity, file, line, column,
// message, hint, related: {file, line, column, message} | null}
nlohmann::json to_json(const Diagnostic& d);
nlohmann::json to_json(const Diagnostics& ds);

}  // namespace rayctl
