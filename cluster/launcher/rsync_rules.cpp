// rsync's exclude rules for file_mounts (see rsync_rules.h).
#include "cluster/launcher/rsync_rules.h"

#include <sstream>

namespace rayctl {

namespace {

// A "[...]" class at pattern[at] (at points after '['): whether `c` is in it; `end` gets the
// index after the closing ']'. False with end = npos when the class is not closed.
bool class_matches(std::string_view p, size_t at, char c, size_t& end) {
  bool negate = at < p.size() && (p[at] == '!' || p[at] == '^');
  if (negate) ++at;
  bool in = false;
  for (size_t i = at; i < p.size(); ++i) {
    if (p[i] == ']' && i > at) {
      end = i + 1;
      return in != negate;
    }
    char lo = p[i];
    if (lo == '\\' && i + 1 < p.size()) lo = p[++i];
    char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      hi = p[i + 2];
      i += 2;
    }
    if (c >= lo && c <= hi) in = true;
  }
  end = std::string_view::npos;
  return false;
}

// Iterative wildcard matching with one memo bit per (pattern, text) position pair.
class Matcher {
 public:
  Matcher(std::string_view p, std::string_view t) : p_(p), t_(t), seen_((p.size() + 1) * (t.size() + 1), 0) {}
  bool run(size_t pi, size_t ti) {
    char& memo = seen_[pi * (t_.size() + 1) + ti];
    if (memo) return memo == 2;
    memo = 1;
    bool ok = step(pi, ti);
    memo = ok ? 2 : 1;
    return ok;
  }

 private:
  bool step(size_t pi, size_t ti) {
    if (pi == p_.size()) return ti == t_.size();
    const char pc = p_[pi];
    if (pc == '*') {
      const bool two = pi + 1 < p_.size() && p_[pi + 1] == '*';
      const size_t next = pi + (two ? 2 : 1);
      // "**/" at a component start also matches no directory at all ("**/x" matches "x").
      if (two && next < p_.size() && p_[next] == '/' && (pi == 0 || p_[pi - 1] == '/') && run(next + 1, ti))
        return true;
      for (size_t k = ti; k <= t_.size(); ++k) {
        if (run(next, k)) return true;
        if (k < t_.size() && t_[k] == '/' && !two) break;
      }
      return false;
    }
    if (ti == t_.size()) return false;
    const char tc = t_[ti];
    if (pc == '?') return tc != '/' && run(pi + 1, ti + 1);
    if (pc == '[') {
      size_t end = 0;
      bool in = class_matches(p_, pi + 1, tc, end);
      if (end != std::string_view::npos) return tc != '/' && in && run(end, ti + 1);
      return tc == '[' && run(pi + 1, ti + 1);  // unclosed: a literal '['
    }
    if (pc == '\\' && pi + 1 < p_.size()) return tc == p_[pi + 1] && run(pi + 2, ti + 1);
    return tc == pc && run(pi + 1, ti + 1);
  }

  std::string_view p_, t_;
  std::vector<char> seen_;
};

}  // namespace

bool rsync_wildcard_match(std::string_view pattern, std::string_view text) { return Matcher(pattern, text).run(0, 0); }

void RsyncRules::add(std::string pattern, const std::string& base) {
  Rule r;
  r.base = base;
  while (pattern.size() > 1 && pattern.back() == '/') {
    pattern.pop_back();
    r.dir_only = true;
  }
  if (!pattern.empty() && pattern.front() == '/') {
    r.anchored = true;
    pattern.erase(0, 1);
  }
  if (pattern.empty()) return;
  r.full_path = pattern.find('/') != std::string::npos || pattern.find("**") != std::string::npos;
  r.pattern = std::move(pattern);
  rules_.push_back(std::move(r));
}

void RsyncRules::add_exclude(const std::string& pattern) { add(pattern, ""); }

void RsyncRules::add_merge_file(const std::string& dir, const std::string& contents) {
  std::istringstream in(contents);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    add(line, dir);
  }
}

bool RsyncRules::excluded(const std::string& rel, bool is_dir) const {
  for (const Rule& r : rules_) {
    if (r.dir_only && !is_dir) continue;
    std::string_view path(rel);
    if (!r.base.empty()) {  // a merge file's rule: only below its directory, relative to it
      if (path.size() <= r.base.size() || path.compare(0, r.base.size(), r.base) != 0 || path[r.base.size()] != '/')
        continue;
      path.remove_prefix(r.base.size() + 1);
    }
    if (r.anchored) {
      if (rsync_wildcard_match(r.pattern, path)) return true;
      continue;
    }
    if (!r.full_path) {
      const size_t slash = path.rfind('/');
      if (rsync_wildcard_match(r.pattern, slash == std::string_view::npos ? path : path.substr(slash + 1))) return true;
      continue;
    }
    // Unanchored with a "/": the end of the path, starting at a component boundary.
    for (size_t at = 0;;) {
      if (rsync_wildcard_match(r.pattern, path.substr(at))) return true;
      const size_t slash = path.find('/', at);
      if (slash == std::string_view::npos) break;
      at = slash + 1;
    }
  }
  return false;
}

}  // namespace rayctl
