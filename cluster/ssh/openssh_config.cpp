// OpenSshConfig (see openssh_config.h).
#include "cluster/ssh/openssh_config.h"

#include "cluster/ssh/proxy_process.h"
#include "core/error.h"

#include <glob.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace rayctl {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return s;
}

std::string home_dir() {
  const char* h = std::getenv("HOME");
  if (h && *h) return h;
  const passwd* pw = ::getpwuid(::getuid());
  return pw ? pw->pw_dir : "/";
}

Error config_error(const std::string& where, const std::string& what, const std::string& fix) {
  return Error(ErrorKind::Invalid, where + ": " + what, fix);
}

// Splits arguments the way ssh does: whitespace separates, double quotes group.
std::vector<std::string> split_args(const std::string& text, const std::string& where) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    std::string arg;
    if (text[i] == '"') {
      size_t end = text.find('"', i + 1);
      if (end == std::string::npos) throw config_error(where, "unterminated quote", "close the \" or remove it");
      arg = text.substr(i + 1, end - i - 1);
      i = end + 1;
    } else {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) arg += text[i++];
    }
    out.push_back(arg);
  }
  return out;
}

// ~ and %-tokens of IdentityFile / UserKnownHostsFile / HostName.
std::string expand(const std::string& value, const std::map<char, std::string>& tokens, const std::string& where) {
  std::string v = value;
  if (v == "~" || v.rfind("~/", 0) == 0) v = home_dir() + v.substr(1);
  std::string out;
  if (auto bad = expand_percent_tokens(v, tokens, out))
    throw config_error(where, "unknown token %" + std::string(*bad ? 1 : 0, *bad) + " in '" + value + "'",
                       "rayctl expands %h %p %r %u %d %n and %% here");
  return out;
}

int number(const std::string& v, const std::string& keyword, const std::string& where, int lo, int hi) {
  try {
    size_t used = 0;
    int n = std::stoi(v, &used);
    if (used == v.size() && n >= lo && n <= hi) return n;
  } catch (...) {
  }
  throw config_error(where,
                     keyword + " " + v + " is not a number from " + std::to_string(lo) + " to " + std::to_string(hi),
                     "fix the value");
}

}  // namespace

bool ssh_glob(const std::string& text, const std::string& pattern) {
  // Iterative * / ? matching with backtracking on the last star.
  size_t t = 0, p = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || std::tolower(static_cast<unsigned char>(pattern[p])) ==
                                                        std::tolower(static_cast<unsigned char>(text[t])))) {
      ++t;
      ++p;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool ssh_host_matches(const std::string& host, const std::vector<std::string>& patterns) {
  bool any = false;
  for (std::string pat : patterns) {
    // A Host line may also separate patterns with commas.
    std::stringstream ss(pat);
    std::string one;
    while (std::getline(ss, one, ',')) {
      if (one.empty()) continue;
      bool negated = one[0] == '!';
      if (ssh_glob(host, negated ? one.substr(1) : one)) {
        if (negated) return false;
        any = true;
      }
    }
  }
  return any;
}

std::optional<std::string> OpenSshConfig::default_path() {
  const char* env = std::getenv("RAYCTL_SSH_CONFIG");
  if (env && *env) {
    if (std::string(env) == "none") return std::nullopt;
    return std::string(env);
  }
  return home_dir() + "/.ssh/config";
}

OpenSshConfig OpenSshConfig::load(const std::string& path) {
  OpenSshConfig c;
  std::ifstream in(path);
  if (!in) return c;
  std::stringstream ss;
  ss << in.rdbuf();
  c.read(ss.str(), path, home_dir() + "/.ssh", {}, 0);
  return c;
}

OpenSshConfig OpenSshConfig::parse(const std::string& text, const std::string& label, const std::string& ssh_dir) {
  OpenSshConfig c;
  c.read(text, label, ssh_dir, {}, 0);
  return c;
}

void OpenSshConfig::read(const std::string& text, const std::string& label, const std::string& ssh_dir,
                         const std::vector<std::vector<std::string>>& outer, int depth) {
  std::vector<std::vector<std::string>> conditions = outer;
  bool in_match = false;
  std::istringstream in(text);
  std::string raw;
  for (int lineno = 1; std::getline(in, raw); ++lineno) {
    std::string where = label + ":" + std::to_string(lineno);
    size_t b = raw.find_first_not_of(" \t\r");
    if (b == std::string::npos || raw[b] == '#') continue;
    std::string line = raw.substr(b);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t k = line.find_first_of(" \t=");
    std::string keyword = lower(line.substr(0, k));
    std::string value;
    if (k != std::string::npos) {
      size_t v = line.find_first_not_of(" \t", k);
      if (v != std::string::npos && line[v] == '=') v = line.find_first_not_of(" \t", v + 1);
      if (v != std::string::npos) value = line.substr(v);
    }
    if (value.empty()) throw config_error(where, keyword + " has no value", "give it a value or remove the line");
    if (keyword == "host") {
      in_match = false;
      conditions = outer;
      conditions.push_back(split_args(value, where));
      continue;
    }
    if (keyword == "match") {  // criteria rayctl does not evaluate: the block never applies
      in_match = true;
      continue;
    }
    if (in_match) continue;
    if (keyword == "include") {
      if (depth >= 16) throw config_error(where, "Include nested too deeply", "remove the Include loop");
      for (const auto& pattern : split_args(value, where)) {
        std::string p = pattern.rfind("~/", 0) == 0 ? home_dir() + pattern.substr(1) : pattern;
        if (p.empty() || p[0] != '/') p = ssh_dir + "/" + p;
        glob_t g{};
        if (::glob(p.c_str(), 0, nullptr, &g) == 0) {
          for (size_t i = 0; i < g.gl_pathc; ++i) {
            std::ifstream f(g.gl_pathv[i]);
            std::stringstream ss;
            ss << f.rdbuf();
            read(ss.str(), g.gl_pathv[i], ssh_dir, conditions, depth + 1);
          }
        }
        ::globfree(&g);
      }
      continue;
    }
    lines_.push_back({conditions, keyword, value, where});
  }
}

OpenSshHostConfig OpenSshConfig::resolve(const std::string& alias, const std::string& local_user,
                                         const std::string& default_remote_user) const {
  std::map<std::string, std::pair<std::string, std::string>> first;  // keyword → value, where
  for (const auto& l : lines_) {
    bool applies = std::all_of(l.conditions.begin(), l.conditions.end(),
                               [&](const std::vector<std::string>& pats) { return ssh_host_matches(alias, pats); });
    if (applies) first.emplace(l.keyword, std::make_pair(l.value, l.where));
  }
  OpenSshHostConfig c;
  auto get = [&](const char* k) -> const std::pair<std::string, std::string>* {
    auto it = first.find(k);
    return it == first.end() ? nullptr : &it->second;
  };
  auto first_arg = [](const std::pair<std::string, std::string>& v) {
    auto args = split_args(v.first, v.second);
    return args.empty() ? std::string() : args.front();
  };
  if (auto v = get("hostname")) c.hostname = expand(first_arg(*v), {{'h', alias}}, v->second);
  if (auto v = get("user")) c.user = first_arg(*v);
  if (auto v = get("port")) c.port = number(first_arg(*v), "Port", v->second, 1, 65535);
  if (auto v = get("proxyjump")) c.proxy_jump = first_arg(*v);
  if (auto v = get("proxycommand")) c.proxy_command = v->first;  // the rest of the line, as ssh takes it
  if (auto v = get("stricthostkeychecking")) c.strict_host_key_checking = lower(first_arg(*v));
  if (auto v = get("connecttimeout")) c.connect_timeout = number(first_arg(*v), "ConnectTimeout", v->second, 1, 3600);
  if (auto v = get("serveraliveinterval"))
    c.server_alive_interval = number(first_arg(*v), "ServerAliveInterval", v->second, 0, 86400);
  if (auto v = get("serveralivecountmax"))
    c.server_alive_count_max = number(first_arg(*v), "ServerAliveCountMax", v->second, 1, 1000);
  std::map<char, std::string> tokens = {{'d', home_dir()},
                                        {'u', local_user},
                                        {'h', c.hostname.value_or(alias)},
                                        {'n', alias},
                                        {'r', c.user.value_or(default_remote_user)},
                                        {'p', std::to_string(c.port.value_or(22))}};
  if (auto v = get("identityfile")) c.identity_file = expand(first_arg(*v), tokens, v->second);
  if (auto v = get("userknownhostsfile")) c.user_known_hosts_file = expand(first_arg(*v), tokens, v->second);
  return c;
}

}  // namespace rayctl
