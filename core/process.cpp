// Local processes via fork/exec with pipes and poll(); each child gets its own process group
// so that a timeout or cancel can signal everything it started.
#include "core/process.h"

#include "core/error.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

extern char** environ;

namespace rayctl {

namespace {

struct Child {
  pid_t pid = -1;
  int in = -1, out = -1, err = -1;
};

// Everything the child needs, built before fork: after fork in a multithreaded process only
// async-signal-safe calls are allowed (no allocation, no formatting, no PATH search).
struct ExecPlan {
  std::vector<std::string> envs;
  std::vector<char*> argv, envp;
  std::string path;            // the program, resolved against the child's PATH ("" = not found)
  std::string fail_prefix;     // "cannot run NAME: "
  std::vector<char*> sh_argv;  // /bin/sh PATH ARGS...: for a script without "#!" (as execvp)
};

std::string child_path_variable(const ProcessSpec& spec) {
  if (auto it = spec.env_add.find("PATH"); it != spec.env_add.end()) return it->second;
  const char* p = spec.clear_env ? nullptr : std::getenv("PATH");
  return p ? p : "/usr/bin:/bin";
}

void prepare(const ProcessSpec& spec, ExecPlan& plan) {
  if (!spec.clear_env)
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos && spec.env_add.count(kv.substr(0, eq))) continue;
      plan.envs.push_back(kv);
    }
  for (const auto& [k, v] : spec.env_add) plan.envs.push_back(k + "=" + v);
  for (const auto& a : spec.argv) plan.argv.push_back(const_cast<char*>(a.c_str()));
  plan.argv.push_back(nullptr);
  for (auto& e : plan.envs) plan.envp.push_back(e.data());
  plan.envp.push_back(nullptr);
  const std::string& name = spec.argv[0];
  if (name.find('/') != std::string::npos) {
    plan.path = name;
  } else {
    std::string dirs = child_path_variable(spec);
    for (size_t start = 0; start <= dirs.size();) {
      size_t end = std::min(dirs.find(':', start), dirs.size());
      std::string cand = (end > start ? dirs.substr(start, end - start) : std::string(".")) + "/" + name;
      struct stat st;
      if (stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(cand.c_str(), X_OK) == 0) {
        plan.path = cand;
        break;
      }
      start = end + 1;
    }
  }
  plan.fail_prefix = "cannot run " + name + ": ";
  plan.sh_argv = {const_cast<char*>("/bin/sh"), plan.path.data()};
  plan.sh_argv.insert(plan.sh_argv.end(), plan.argv.begin() + 1, plan.argv.end());
}

// In the child after fork: async-signal-safe calls only.
[[noreturn]] void exec_child(const ExecPlan& plan, const char* cwd, int in, int out, int err) {
  if (in >= 0) setpgid(0, 0);  // a terminal reader stays in the foreground group (see spawn)
  if (in >= 0) dup2(in, 0);    // -1: inherited
  dup2(out, 1);
  if (err >= 0) dup2(err, 2);
  if (cwd && chdir(cwd) != 0) _exit(126);
  signal(SIGPIPE, SIG_DFL);
  int e = ENOENT;
  if (!plan.path.empty()) {
    execve(plan.path.c_str(), plan.argv.data(), plan.envp.data());
    e = errno;
    if (e == ENOEXEC) execve("/bin/sh", plan.sh_argv.data(), plan.envp.data());
  }
  const char* why = e == ENOENT ? "not found\n" : e == EACCES ? "permission denied\n" : "exec failed\n";
  (void)!write(2, plan.fail_prefix.data(), plan.fail_prefix.size());
  (void)!write(2, why, std::strlen(why));
  _exit(127);
}

Child spawn(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw Error(ErrorKind::Internal, "run_process: empty argv");
  ExecPlan plan;
  prepare(spec, plan);
  int pin[2], pout[2], perr[2];
  if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC))
    throw Error(ErrorKind::Io, fmt::format("pipe: {}", std::strerror(errno)));
  const char* cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  pid_t pid = fork();
  if (pid < 0) throw Error(ErrorKind::Io, fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) exec_child(plan, cwd, spec.inherit_stdin ? -1 : pin[0], pout[1], spec.inherit_stderr ? -1 : perr[1]);
  // A child that reads the terminal stays in rayctl's process group: a background group
  // reading the terminal would be stopped (SIGTTIN).
  if (!spec.inherit_stdin) setpgid(pid, pid);
  close(pin[0]);
  close(pout[1]);
  close(perr[1]);
  Child ch{pid, pin[1], pout[0], perr[0]};
  if (spec.inherit_stdin) {
    close(ch.in);
    ch.in = -1;
  }
  if (spec.inherit_stderr) {
    close(ch.err);
    ch.err = -1;
  }
  return ch;
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Writes what is left of the input when the pipe can take it.
void feed_input(Child& ch, const std::string& input, size_t& written) {
  ssize_t w = write(ch.in, input.data() + written, input.size() - written);
  if (w > 0) written += w;
  if (w < 0 || written == input.size()) {
    close(ch.in);
    ch.in = -1;
  }
}

// Drives the child's pipes until both outputs close, or until the child has exited and what
// it left in the pipes is read: a descendant (`sleep 100 &`) that inherited the pipes does not
// hold the wait. Returns the wait status.
int pump(Child& ch, const std::string& input, std::chrono::milliseconds timeout,
         const std::function<void(int, const char*, size_t)>& sink, const std::function<bool()>& cancel,
         bool& timed_out) {
  size_t written = 0;
  if (input.empty() || ch.in < 0) {
    if (ch.in >= 0) close(ch.in);
    ch.in = -1;
  } else {
    fcntl(ch.in, F_SETFL, O_NONBLOCK);
  }
  auto start = std::chrono::steady_clock::now();
  bool term_sent = false, exited = false;
  int status = 0;
  std::chrono::steady_clock::time_point term_at, drain_until;
  char buf[65536];
  while (ch.out >= 0 || ch.err >= 0) {
    pollfd fds[3];
    int n = 0;
    if (ch.out >= 0) fds[n++] = {ch.out, POLLIN, 0};
    if (ch.err >= 0) fds[n++] = {ch.err, POLLIN, 0};
    if (ch.in >= 0) fds[n++] = {ch.in, POLLOUT, 0};
    int ready = poll(fds, n, exited ? 20 : 100);
    if (exited && ready == 0) break;  // the pipes are empty; only a descendant holds them
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == ch.in) {
        feed_input(ch, input, written);
        continue;
      }
      ssize_t r = read(fds[i].fd, buf, sizeof buf);
      if (r > 0) {
        sink(fds[i].fd == ch.out ? 1 : 2, buf, r);
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
        int& fd = fds[i].fd == ch.out ? ch.out : ch.err;
        close(fd);
        fd = -1;
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (!exited && waitpid(ch.pid, &status, WNOHANG) == ch.pid) {
      exited = true;
      drain_until = now + std::chrono::seconds(1);  // bounded: a descendant may keep writing
    }
    if (exited) {
      if (now > drain_until) break;
      continue;
    }
    bool expired = timeout.count() > 0 && now - start > timeout;
    bool cancelled = cancel && cancel();
    if ((expired || cancelled) && !term_sent) {
      timed_out = expired;
      if (kill(-ch.pid, SIGTERM) != 0) kill(ch.pid, SIGTERM);  // no group of its own: see spawn
      term_sent = true;
      term_at = now;
    } else if (term_sent && now - term_at > std::chrono::seconds(2)) {
      if (kill(-ch.pid, SIGKILL) != 0) kill(ch.pid, SIGKILL);
    }
  }
  for (int* fd : {&ch.in, &ch.out, &ch.err})
    if (*fd >= 0) close(*fd);
  while (!exited && waitpid(ch.pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

ProcessResult run_process(const ProcessSpec& spec) {
  Child ch = spawn(spec);
  ProcessResult r;
  int status = pump(
      ch, spec.stdin_data, spec.timeout,
      [&](int stream, const char* d, size_t n) { (stream == 1 ? r.out : r.err).append(d, n); }, {}, r.timed_out);
  r.exit_code = decode_status(status);
  return r;
}

int run_process_streaming(const ProcessSpec& spec, const std::function<void(int, const std::string&)>& on_line,
                          const std::function<bool()>& cancel) {
  Child ch = spawn(spec);
  std::string pending[3];
  bool timed_out = false;
  int status = pump(
      ch, spec.stdin_data, spec.timeout,
      [&](int stream, const char* d, size_t n) {
        std::string& p = pending[stream];
        p.append(d, n);
        size_t pos;
        while ((pos = p.find('\n')) != std::string::npos) {
          on_line(stream, p.substr(0, pos));
          p.erase(0, pos + 1);
        }
      },
      cancel, timed_out);
  for (int s : {1, 2})
    if (!pending[s].empty()) on_line(s, pending[s]);
  return decode_status(status);
}

std::optional<std::string> find_in_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0 ? std::optional(name) : std::nullopt;
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= p.size()) {
    size_t end = p.find(':', start);
    if (end == std::string::npos) end = p.size();
    std::string dir = p.substr(start, end - start);
    if (!dir.empty()) {
      std::string cand = dir + "/" + name;
      struct stat st;
      if (stat(cand.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(cand.c_str(), X_OK) == 0) return cand;
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,@+%") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace rayctl
