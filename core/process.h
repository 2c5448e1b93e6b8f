// Running local processes: capture (argv, env, stdin → exit code, stdout, stderr) and
// streaming (lines as they come). No shell unless the caller asks for "sh -c". Used by the
// local executor, kubeconfig exec plugins and tests.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

struct ProcessSpec {
  std::vector<std::string> argv;
  std::map<std::string, std::string> env_add;  // added to (overriding) the inherited environment
  bool clear_env = false;
  std::string stdin_data;
  std::string cwd;
  std::chrono::milliseconds timeout{0};  // 0 = none; on expiry SIGTERM, then SIGKILL after 2 s
  // The child gets rayctl's own stdin / stderr (a terminal, for prompts) instead of pipes;
  // stdin_data is then ignored, and ProcessResult::err stays empty.
  bool inherit_stdin = false;
  bool inherit_stderr = false;
};

struct ProcessResult {
  int exit_code = -1;  // 128+N when killed by signal N
  std::string out;
  std::string err;
  bool timed_out = false;
};

ProcessResult run_process(const ProcessSpec& spec);
// Streams stdout/stderr line by line (stream 1 or 2) while the process runs; returns the exit
// code. `cancel` is polled; when it returns true the process group gets SIGTERM.
int run_process_streaming(const ProcessSpec& spec,
                          const std::function<void(int stream, const std::string& line)>& on_line,
                          const std::function<bool()>& cancel = {});

// Absolute path of an executable found in PATH, or nullopt.
std::optional<std::string> find_in_path(const std::string& name);
// Quotes one word for a POSIX shell: abc → abc, a b → 'a b', it's → 'it'\''s'.
std::string shell_quote(const std::string& s);

}  // namespace rayctl
