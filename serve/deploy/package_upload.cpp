// Local runtime_env packages: gitwildmatch rules, Ray's package hash, zipping, upload.
#include "serve/deploy/package_upload.h"

#include "core/error.h"
#include "core/sha1_digest.h"
#include "core/state_store.h"
#include "core/zip_writer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace fs = std::filesystem;

namespace rayctl {

// ---- gitwildmatch (the subset pathspec implements for .gitignore) ----

struct IgnoreRules::Rule {
  std::regex re;
  bool negate = false;
};

namespace {

std::string glob_segment_to_regex(const std::string& seg) {
  std::string out;
  for (size_t i = 0; i < seg.size(); ++i) {
    char c = seg[i];
    if (c == '*') {
      out += "[^/]*";
    } else if (c == '?') {
      out += "[^/]";
    } else if (c == '[') {
      size_t j = i + 1;
      if (j < seg.size() && (seg[j] == '!' || seg[j] == '^')) ++j;
      if (j < seg.size() && seg[j] == ']') ++j;
      while (j < seg.size() && seg[j] != ']') ++j;
      if (j >= seg.size()) {
        out += "\\[";
      } else {
        std::string cls = seg.substr(i + 1, j - i - 1);
        if (!cls.empty() && cls[0] == '!') cls[0] = '^';
        std::string esc;
        for (char x : cls) esc += (x == '\\') ? "\\\\" : std::string(1, x);
        out += "[" + esc + "]";
        i = j;
      }
    } else if (c == '\\' && i + 1 < seg.size()) {
      out += "\\";
      out += seg[++i];
    } else if (std::string(".^$+(){}|/").find(c) != std::string::npos) {
      out += "\\";
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

// Returns "" for patterns that match nothing (comments, blanks).
std::string gitwildmatch_to_regex(std::string pat, bool& negate) {
  negate = false;
  while (!pat.empty() && (pat.back() == ' ' || pat.back() == '\r' || pat.back() == '\n')) pat.pop_back();
  if (pat.empty() || pat[0] == '#' || pat == "/") return "";
  if (pat[0] == '!') {
    negate = true;
    pat = pat.substr(1);
  }
  std::vector<std::string> segs;
  std::stringstream ss(pat);
  std::string s;
  while (std::getline(ss, s, '/')) segs.push_back(s);
  if (!pat.empty() && pat.back() == '/') segs.push_back("");
  if (segs.empty()) return "";
  if (segs[0].empty()) {
    segs.erase(segs.begin());  // leading '/': anchored at the root
  } else if (segs.size() == 1 || (segs.size() == 2 && segs[1].empty())) {
    if (segs[0] != "**") segs.insert(segs.begin(), "**");  // a bare name matches at any depth
  }
  if (segs.empty()) return "";
  if (segs.size() > 1 && segs.back().empty()) segs.back() = "**";  // "dir/": everything inside
  std::string out = "^";
  bool need_slash = false;
  size_t end = segs.size() - 1;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& seg = segs[i];
    if (seg == "**") {
      if (i == 0 && i == end) {
        out += ".+";
      } else if (i == 0) {
        out += "(?:.+/)?";
        need_slash = false;
      } else if (i == end) {
        out += "/.*";
      } else {
        out += "(?:/.+)?";
        need_slash = true;
      }
    } else {
      if (need_slash) out += "/";
      out += seg == "*" ? "[^/]+" : glob_segment_to_regex(seg);
      if (i == end) out += "(?:/.*)?";
      need_slash = true;
    }
  }
  return out + "$";
}

}  // namespace

IgnoreRules::IgnoreRules(const std::vector<std::string>& patterns) {
  for (const auto& p : patterns) {
    bool neg = false;
    std::string re = gitwildmatch_to_regex(p, neg);
    if (re.empty()) continue;
    try {
      auto r = std::make_shared<Rule>();
      r->re = std::regex(re, std::regex::ECMAScript | std::regex::optimize);
      r->negate = neg;
      rules_.push_back(std::move(r));
    } catch (const std::regex_error&) {
      // pathspec would reject it too; an unusable pattern excludes nothing.
    }
  }
}

bool IgnoreRules::excluded(const std::string& rel) const {
  bool ex = false;
  for (const auto& r : rules_)
    if (std::regex_match(rel, r->re)) ex = !r->negate;
  return ex;
}

// ---- traversal as Ray's _dir_travel does it ----

namespace {

struct ScopedRules {
  fs::path base;
  IgnoreRules rules;
};

std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> lines;
  std::ifstream in(p);
  std::string l;
  while (std::getline(in, l)) lines.push_back(l);
  return lines;
}

std::string rel_string(const fs::path& p, const fs::path& base) {
  std::string r = p.lexically_relative(base).generic_string();
  return r.empty() ? "." : r;
}

// Calls `visit(path)` for every path under `root` (root included) that no rule excludes.
void travel(const fs::path& path, std::vector<ScopedRules>& rules, bool include_gitignore,
            const std::function<void(const fs::path&)>& visit, int depth = 0) {
  if (depth > 64) throw Error(ErrorKind::Invalid, "directory nesting too deep (a symlink loop?) at " + path.string());
  size_t pushed = 0;
  std::error_code ec;
  bool is_dir = fs::is_directory(path, ec);
  if (is_dir) {
    for (const char* name : {".gitignore", ".rayignore"}) {
      if (std::string(name) == ".gitignore" && !include_gitignore) continue;
      fs::path f = path / name;
      if (fs::is_regular_file(f, ec)) {
        rules.push_back({path, IgnoreRules(read_lines(f))});
        ++pushed;
      }
    }
  }
  bool skip = false;
  for (const auto& r : rules)
    if (!r.rules.empty() && r.rules.excluded(rel_string(path, r.base))) skip = true;
  if (!skip) {
    visit(path);
    if (is_dir) {
      std::vector<fs::path> children;
      for (const auto& e : fs::directory_iterator(path, ec)) children.push_back(e.path());
      std::sort(children.begin(), children.end());
      for (const auto& c : children) travel(c, rules, include_gitignore, visit, depth + 1);
    }
  }
  for (size_t i = 0; i < pushed; ++i) rules.pop_back();
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(ErrorKind::Io, "cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// SHA-1 of the relative path, plus the content for files (_hash_file_content_or_directory_name).
std::array<uint8_t, 20> path_digest(const fs::path& p, const fs::path& base) {
  Sha1Digest d;
  d.update(rel_string(p, base));
  std::error_code ec;
  if (!fs::is_directory(p, ec)) {
    std::ifstream in(p, std::ios::binary);
    char buf[65536];
    while (in) {
      in.read(buf, sizeof buf);
      if (in.gcount() > 0) d.update(std::string_view(buf, size_t(in.gcount())));
    }
  }
  return d.finish();
}

void xor_into(std::string& acc, const std::array<uint8_t, 20>& dig) {
  // Ray's _xor_bytes zips the two byte strings: the result keeps the shorter length (8).
  for (size_t i = 0; i < acc.size() && i < dig.size(); ++i) acc[i] = char(uint8_t(acc[i]) ^ dig[i]);
}

std::time_t file_mtime(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  if (ec) return std::time(nullptr);
  return std::chrono::system_clock::to_time_t(std::chrono::file_clock::to_sys(t));
}

}  // namespace

std::string package_name_for_directory(const std::string& dir, const std::vector<std::string>& excludes,
                                       bool include_gitignore) {
  fs::path root = fs::absolute(dir).lexically_normal();
  if (root.has_filename() == false) root = root.parent_path();
  std::vector<ScopedRules> rules;
  rules.push_back({root, IgnoreRules(excludes)});
  std::string acc(8, '0');
  travel(root, rules, include_gitignore, [&](const fs::path& p) { xor_into(acc, path_digest(p, root)); });
  return "_ray_pkg_" + to_hex(reinterpret_cast<const uint8_t*>(acc.data()), acc.size());
}

std::string package_name_for_file(const std::string& file) {
  fs::path p = fs::absolute(file).lexically_normal();
  std::string acc(8, '0');
  xor_into(acc, path_digest(p, p.parent_path()));
  return "_ray_pkg_" + to_hex(reinterpret_cast<const uint8_t*>(acc.data()), acc.size());
}

std::string build_package_zip(const std::string& path, const std::vector<std::string>& excludes, bool include_gitignore,
                              bool include_parent_dir) {
  fs::path root = fs::absolute(path).lexically_normal();
  if (!root.has_filename()) root = root.parent_path();
  std::error_code ec;
  fs::path dir = fs::is_regular_file(root, ec) ? root.parent_path() : root;
  std::vector<ScopedRules> rules;
  rules.push_back({root, IgnoreRules(excludes)});
  ZipWriter zip;
  travel(root, rules, include_gitignore, [&](const fs::path& p) {
    std::error_code e2;
    bool is_dir = fs::is_directory(p, e2);
    bool empty_dir = is_dir && fs::directory_iterator(p, e2) == fs::directory_iterator();
    if (!(empty_dir || fs::is_regular_file(p, e2))) return;  // files and empty directories only
    std::string name = p.lexically_relative(dir).generic_string();
    if (include_parent_dir) name = dir.filename().generic_string() + "/" + name;
    auto perms = static_cast<unsigned>(fs::status(p, e2).permissions()) & 0777u;
    if (empty_dir)
      zip.add_directory(name, file_mtime(p), perms);
    else
      zip.add_file(name, read_all(p), file_mtime(p), perms);
  });
  return zip.finish();
}

// ---- rewriting a Serve config's runtime_envs ----

namespace {

bool is_uri(const std::string& s) { return s.find("://") != std::string::npos; }

std::vector<std::string> excludes_of(const nlohmann::json& env) {
  std::vector<std::string> out;
  if (env.contains("excludes") && env["excludes"].is_array())
    for (const auto& e : env["excludes"])
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

LocalPackage make_package(const std::string& where, const std::string& value, const std::string& base_dir,
                          const nlohmann::json& env, bool is_module, const PackageOptions& opt) {
  fs::path p = fs::path(value);
  if (p.is_relative()) p = fs::path(base_dir) / p;
  p = fs::absolute(p).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();
  std::error_code ec;
  LocalPackage pkg;
  pkg.where = where;
  pkg.local_path = p.string();
  pkg.excludes = excludes_of(env);
  pkg.include_gitignore = opt.include_gitignore;
  if (fs::is_directory(p, ec)) {
    pkg.include_parent_dir = is_module;
    pkg.uri = "gcs://" + package_name_for_directory(p.string(), pkg.excludes, opt.include_gitignore) + ".zip";
  } else if (fs::is_regular_file(p, ec) && (p.extension() == ".zip" || p.extension() == ".whl")) {
    pkg.prebuilt = true;
    if (p.extension() == ".whl") {
      pkg.uri = "gcs://" + p.filename().string();
    } else {
      auto dig = sha1(read_all(p));
      pkg.uri = "gcs://_ray_pkg_" + to_hex(dig.data(), dig.size()) + ".zip";
    }
  } else if (is_module && fs::is_regular_file(p, ec) && p.extension() == ".py") {
    pkg.uri = "gcs://" + package_name_for_file(p.string()) + ".zip";
  } else {
    throw Error(ErrorKind::Invalid,
                where + ": '" + value + "' is neither a remote URI nor an existing local " +
                    (is_module ? "directory, .py, .zip or .whl" : "directory or .zip") + " (looked at " + p.string() +
                    ")",
                "relative paths are resolved against the config file's directory");
  }
  return pkg;
}

void localize_env(nlohmann::json& env, const std::string& where, const std::string& base_dir, const PackageOptions& opt,
                  std::vector<LocalPackage>& out) {
  if (!env.is_object()) return;
  if (env.contains("working_dir") && env["working_dir"].is_string()) {
    std::string v = env["working_dir"].get<std::string>();
    if (!is_uri(v)) {
      out.push_back(make_package(where + ": runtime_env.working_dir", v, base_dir, env, false, opt));
      env["working_dir"] = out.back().uri;
    }
  }
  if (env.contains("py_modules") && env["py_modules"].is_array()) {
    for (size_t i = 0; i < env["py_modules"].size(); ++i) {
      auto& m = env["py_modules"][i];
      if (!m.is_string() || is_uri(m.get<std::string>())) continue;
      out.push_back(make_package(where + ": runtime_env.py_modules[" + std::to_string(i) + "]", m.get<std::string>(),
                                 base_dir, env, true, opt));
      m = out.back().uri;
    }
  }
}

}  // namespace

std::vector<LocalPackage> localize_runtime_envs(nlohmann::json& body, const std::string& base_dir,
                                                const PackageOptions& opt) {
  std::vector<LocalPackage> out;
  if (!body.contains("applications") || !body["applications"].is_array()) return out;
  for (auto& app : body["applications"]) {
    std::string where = "app " + app.value("name", std::string("default"));
    if (app.contains("runtime_env")) localize_env(app["runtime_env"], where, base_dir, opt, out);
    if (!app.contains("deployments") || !app["deployments"].is_array()) continue;
    for (auto& d : app["deployments"]) {
      if (!d.contains("ray_actor_options") || !d["ray_actor_options"].is_object()) continue;
      auto& rao = d["ray_actor_options"];
      if (rao.contains("runtime_env"))
        localize_env(rao["runtime_env"], where + " deployment " + d.value("name", std::string("?")), base_dir, opt,
                     out);
    }
  }
  return out;
}

namespace {
std::string human_size(size_t n) {
  char buf[32];
  if (n < 1024)
    std::snprintf(buf, sizeof buf, "%zu B", n);
  else if (n < 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", n / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%.1f MiB", n / (1024.0 * 1024.0));
  return buf;
}
}  // namespace

void upload_packages(DashboardClient& client, const std::vector<LocalPackage>& packages,
                     const std::function<void(const std::string&)>& on_event) {
  // Ray's limit is the gRPC message size (512 MiB); stay clearly below it.
  constexpr size_t kMaxPackage = 500ull * 1024 * 1024;
  std::vector<std::string> done;
  for (const auto& p : packages) {
    if (std::find(done.begin(), done.end(), p.uri) != done.end()) continue;
    done.push_back(p.uri);
    if (client.package_exists(p.uri)) {
      if (on_event) on_event(p.uri + " (" + p.where + ") is already on the cluster");
      continue;
    }
    std::string bytes = p.prebuilt
                            ? read_all(p.local_path)
                            : build_package_zip(p.local_path, p.excludes, p.include_gitignore, p.include_parent_dir);
    if (bytes.size() >= kMaxPackage)
      throw Error(ErrorKind::Invalid,
                  p.where + ": the package of " + p.local_path + " is " + human_size(bytes.size()) +
                      ", over Ray's 512 MiB limit",
                  "exclude large files with runtime_env.excludes or a .rayignore file");
    client.upload_package(p.uri, bytes);
    if (on_event) on_event("uploaded " + p.local_path + " → " + p.uri + " (" + human_size(bytes.size()) + ")");
  }
}

}  // namespace rayctl
