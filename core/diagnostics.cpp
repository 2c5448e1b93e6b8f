// Diagnostics collection, compiler-style rendering and JSON.
#include "core/diagnostics.h"

#include "core/error.h"
#include "core/output.h"
#include "core/yaml_source.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace rayctl {

std::string SourceLoc::str() const {
  if (!known()) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::Error: return "error";
    case Severity::Warning: return "warning";
    case Severity::Note: return "note";
  }
  return "error";
}

Diagnostic& Diagnostics::add(Diagnostic d) {
  items_.push_back(std::move(d));
  return items_.back();
}

Diagnostic& Diagnostics::error(std::string id, SourceLoc loc, std::string message, std::string hint) {
  return add({std::move(id), Severity::Error, std::move(loc), std::move(message), std::move(hint), std::nullopt, {}});
}

Diagnostic& Diagnostics::warning(std::string id, SourceLoc loc, std::string message, std::string hint) {
  return add({std::move(id), Severity::Warning, std::move(loc), std::move(message), std::move(hint), std::nullopt, {}});
}

void Diagnostics::append(const Diagnostics& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

size_t Diagnostics::error_count() const {
  return std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

size_t Diagnostics::warning_count() const {
  return std::count_if(items_.begin(), items_.end(),
                       [](const Diagnostic& d) { return d.severity == Severity::Warning; });
}

void Diagnostics::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.loc.file, a.loc.line, a.loc.column) < std::tie(b.loc.file, b.loc.line, b.loc.column);
  });
}

static std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      if (!cur.empty() && cur.back() == '\r') cur.pop_back();
      out.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

void SourceCache::add(const std::string& file, std::string text) { lines_[file] = split_lines(text); }

std::optional<std::string> SourceCache::line(const std::string& file, int line) {
  auto it = lines_.find(file);
  if (it == lines_.end()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream ss;
    ss << in.rdbuf();
    it = lines_.emplace(file, split_lines(ss.str())).first;
  }
  if (line < 1 || static_cast<size_t>(line) > it->second.size()) return std::nullopt;
  return it->second[line - 1];
}

namespace {

struct Paint {
  bool on;
  std::string operator()(const char* code, const std::string& s) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, s) : s;
  }
};

void render_snippet(std::ostream& os, const SourceLoc& loc, SourceCache& sources, const Paint& paint,
                    const char* caret_color) {
  if (!loc.known()) return;
  auto text = sources.line(loc.file, loc.line);
  if (!text) return;
  std::string num = std::to_string(loc.line);
  std::string gutter(num.size(), ' ');
  os << ' ' << paint("2", num + " |") << ' ' << *text << '\n';
  // Keep tabs in the padding so the caret lines up under tab-indented text.
  std::string pad;
  for (int i = 1; i < loc.column && static_cast<size_t>(i - 1) < text->size(); ++i)
    pad += (*text)[i - 1] == '\t' ? '\t' : ' ';
  os << ' ' << paint("2", gutter + " |") << ' ' << pad << paint(caret_color, "^") << '\n';
}

}  // namespace

void render_diagnostic(std::ostream& os, const Diagnostic& d, SourceCache& sources, const RenderOptions& opt) {
  Paint paint{opt.color};
  const char* color = d.severity == Severity::Error ? "1;31" : d.severity == Severity::Warning ? "1;33" : "1;36";
  std::string where = d.loc.str();
  os << paint("1", where.empty() ? std::string("rayctl") : where) << ": "
     << paint(color, fmt::format("{}[{}]", severity_name(d.severity), d.id)) << ": " << d.message << '\n';
  if (opt.show_source) render_snippet(os, d.loc, sources, paint, color);
  if (d.related) {
    os << paint("1", d.related->str()) << ": " << paint("1;36", "note") << ": "
       << (d.related_message.empty() ? std::string("related location") : d.related_message) << '\n';
    if (opt.show_source) render_snippet(os, *d.related, sources, paint, "1;36");
  }
  if (!d.hint.empty()) os << "  " << paint("1;32", "hint:") << ' ' << d.hint << '\n';
}

void render_diagnostics(std::ostream& os, const Diagnostics& ds, SourceCache& sources, const RenderOptions& opt) {
  for (const auto& d : ds.items()) render_diagnostic(os, d, sources, opt);
}

void print_diagnostics(IOStreams& io, const Diagnostics& ds, SourceCache& sources) {
  render_diagnostics(*io.err, ds, sources, RenderOptions{io.color, io.err_tty});
}

void report_diagnostics(const Diagnostics& ds, const YamlFile& file, IOStreams& io, const std::string& what,
                        const std::string& hint) {
  if (!ds.empty()) {
    SourceCache sources;
    sources.add(file.file, file.text);
    print_diagnostics(io, ds, sources);
  }
  if (ds.has_errors())
    throw Error(ErrorKind::Invalid, fmt::format("{}: {} has {} error(s)", file.file, what, ds.error_count()), hint);
}

static nlohmann::json loc_json(const SourceLoc& l) {
  nlohmann::json j = {{"file", l.file}};
  j["line"] = l.known() ? nlohmann::json(l.line) : nlohmann::json(nullptr);
  j["column"] = l.known() ? nlohmann::json(l.column) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json to_json(const Diagnostic& d) {
  nlohmann::json j = {{"id", d.id}, {"severity", severity_name(d.severity)}};
  j.update(loc_json(d.loc));
  j["message"] = d.message;
  j["hint"] = d.hint.empty() ? nlohmann::json(nullptr) : nlohmann::json(d.hint);
  if (d.related) {
    auto r = loc_json(*d.related);
    r["message"] = d.related_message;
    j["related"] = r;
  } else {
    j["related"] = nullptr;
  }
  return j;
}

nlohmann::json to_json(const Diagnostics& ds) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& d : ds.items()) arr.push_back(to_json(d));
  return arr;
}

}  // namespace rayctl
