// OpenSSH client configuration (~/.ssh/config, ssh_config(5)) as rayctl applies it to a node:
// Host blocks with patterns (*, ?, !negation, several per line), first value obtained wins,
// keywords case-insensitive, `Keyword value` or `Keyword=value`, quoted values, comments,
// Include (relative to ~/.ssh, globs, nested up to 16 deep). Match blocks are skipped (their
// criteria need a shell and a canonical host name): their lines never apply. Only the keywords
// rayctl acts on are kept; the others are accepted and ignored, as ssh ignores what it does
// not need for a connection.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// What the config says for one host (unset = the config says nothing).
struct OpenSshHostConfig {
  std::optional<std::string> hostname;  // %h expanded
  std::optional<std::string> user;
  std::optional<int> port;
  std::optional<std::string> identity_file;             // the first one; tokens and ~ expanded
  std::optional<std::string> proxy_jump;                // "none" kept as is
  std::optional<std::string> proxy_command;             // "none" kept as is; tokens expanded at connect time
  std::optional<std::string> strict_host_key_checking;  // yes / no / accept-new / ask / off
  std::optional<std::string> user_known_hosts_file;     // the first one, expanded
  std::optional<int> connect_timeout;
  std::optional<int> server_alive_interval;
  std::optional<int> server_alive_count_max;
};

// True when `host` matches the Host line's pattern list: some pattern matches and no negated
// one does (ssh_config(5) PATTERNS; case-insensitive).
bool ssh_host_matches(const std::string& host, const std::vector<std::string>& patterns);
// Glob with * and ? (case-insensitive).
bool ssh_glob(const std::string& text, const std::string& pattern);

class OpenSshConfig {
 public:
  // Reads `path` and its Includes. A missing file is an empty config. Throws Error(Invalid)
  // with file:line for a malformed line.
  static OpenSshConfig load(const std::string& path);
  // `label` names the text in errors; Include paths that are relative resolve against `ssh_dir`.
  static OpenSshConfig parse(const std::string& text, const std::string& label, const std::string& ssh_dir);
  // The path rayctl reads: $RAYCTL_SSH_CONFIG ("none" = no config), else ~/.ssh/config.
  static std::optional<std::string> default_path();

  // The settings for `alias` (a node's host as written); `local_user` and `remote_user` fill
  // %u and %r in IdentityFile / UserKnownHostsFile.
  OpenSshHostConfig resolve(const std::string& alias, const std::string& local_user,
                            const std::string& default_remote_user) const;

 private:
  struct Line {
    // Each Host line in force (the block's, and an including block's): all must match. Empty =
    // before any Host (applies to every host).
    std::vector<std::vector<std::string>> conditions;
    std::string keyword;  // lower case
    std::string value;
    std::string where;  // file:line
  };
  void read(const std::string& text, const std::string& label, const std::string& ssh_dir,
            const std::vector<std::vector<std::string>>& outer, int depth);
  std::vector<Line> lines_;
};

}  // namespace rayctl
