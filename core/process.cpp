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

Child spawn(const ProcessSpec& spec) {
  if (spec.argv.empty()) throw Error(ErrorKind::Internal, "run_process: empty argv");
  int pin[2], pout[2], perr[2];
  if (pipe2(pin, O_CLOEXEC) || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC))
    throw Error(ErrorKind::Io, fmt::format("pipe: {}", std::strerror(errno)));
  std::vector<std::string> envs;
  if (!spec.clear_env)
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      auto eq = kv.find('=');
      if (eq != std::string::npos && spec.env_add.count(kv.substr(0, eq))) continue;
      envs.push_back(kv);
    }
  for (const auto& [k, v] : spec.env_add) envs.push_back(k + "=" + v);
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : envs) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) throw Error(ErrorKind::Io, fmt::format("fork: {}", std::strerror(errno)));
  if (pid == 0) {
    setpgid(0, 0);
    dup2(pin[0], 0);
    dup2(pout[1], 1);
    dup2(perr[1], 2);
    if (!spec.cwd.empty() && chdir(spec.cwd.c_str()) != 0) _exit(126);
    signal(SIGPIPE, SIG_DFL);
    execvpe(argv[0], argv.data(), envp.data());
    std::string msg = fmt::format("cannot run {}: {}\n", spec.argv[0], std::strerror(errno));
    (void)!write(2, msg.data(), msg.size());
    _exit(127);
  }
  setpgid(pid, pid);
  close(pin[0]);
  close(pout[1]);
  close(perr[1]);
  return {pid, pin[1], pout[0], perr[0]};
}

int decode_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

// Drives the child's pipes until both outputs close; returns the wait status.
int pump(Child& ch, const std::string& input, std::chrono::milliseconds timeout,
         const std::function<void(int, const char*, size_t)>& sink, const std::function<bool()>& cancel,
         bool& timed_out) {
  size_t written = 0;
  if (input.empty()) {
    close(ch.in);
    ch.in = -1;
  } else {
    fcntl(ch.in, F_SETFL, O_NONBLOCK);
  }
  auto start = std::chrono::steady_clock::now();
  bool term_sent = false;
  std::chrono::steady_clock::time_point term_at;
  char buf[65536];
  while (ch.out >= 0 || ch.err >= 0) {
    pollfd fds[3];
    int n = 0;
    if (ch.out >= 0) fds[n++] = {ch.out, POLLIN, 0};
    if (ch.err >= 0) fds[n++] = {ch.err, POLLIN, 0};
    if (ch.in >= 0) fds[n++] = {ch.in, POLLOUT, 0};
    poll(fds, n, 100);
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      if (fds[i].fd == ch.in) {
        ssize_t w = write(ch.in, input.data() + written, input.size() - written);
        if (w > 0) written += w;
        if (w < 0 || written == input.size()) {
          close(ch.in);
          ch.in = -1;
        }
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
    bool expired = timeout.count() > 0 && now - start > timeout;
    bool cancelled = cancel && cancel();
    if ((expired || cancelled) && !term_sent) {
      timed_out = expired;
      kill(-ch.pid, SIGTERM);
      term_sent = true;
      term_at = now;
    } else if (term_sent && now - term_at > std::chrono::seconds(2)) {
      kill(-ch.pid, SIGKILL);
    }
  }
  if (ch.in >= 0) close(ch.in);
  int status = 0;
  while (waitpid(ch.pid, &status, 0) < 0 && errno == EINTR) {
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
