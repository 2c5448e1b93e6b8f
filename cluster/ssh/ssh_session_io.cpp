// SshSession: SFTP upload and interactive PTY sessions (see ssh_session.h).
#include "cluster/ssh/ssh_session.h"

#include "core/error.h"

#include <libssh2.h>
#include <libssh2_sftp.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <fstream>

namespace rayctl {
namespace {

std::atomic<bool> g_winch{false};
void on_winch(int) { g_winch = true; }

// Puts the local terminal in raw mode for the object's lifetime.
class RawTerminal {
 public:
  RawTerminal() {
    if (::isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_) == 0) {
      termios raw = saved_;
      cfmakeraw(&raw);
      active_ = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
    }
  }
  ~RawTerminal() {
    if (active_) tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

void window_size(int& cols, int& rows) {
  winsize ws{};
  cols = 80;
  rows = 24;
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    cols = ws.ws_col;
    rows = ws.ws_row;
  }
}

}  // namespace

void SshSession::upload(const std::string& local_path, const std::string& remote_path, unsigned mode,
                        const UploadProgress& progress) {
  auto fail = [&](const std::string& what) {
    char* msg = nullptr;
    libssh2_session_last_error(session_, &msg, nullptr, 0);
    unsigned long sftp_err = sftp_ ? libssh2_sftp_last_error(sftp_) : 0;
    return Error(ErrorKind::Remote,
                 target_.subject() + ": cannot upload " + local_path + " to " + remote_path + ": " + what + " (" +
                     (msg ? msg : "") + (sftp_err ? ", SFTP status " + std::to_string(sftp_err) : "") + ")",
                 "check that the remote directory is writable by " + target_.user, {});
  };
  std::ifstream in(local_path, std::ios::binary);
  if (!in) throw Error(ErrorKind::Io, "cannot read " + local_path, {}, {});
  libssh2_session_set_blocking(session_, 1);
  // A blocking wait with no progress for this long fails (a node that stopped answering).
  auto dead = target_.dead_after().count() > 0 ? target_.dead_after() : std::chrono::seconds(60);
  libssh2_session_set_timeout(session_, long(dead.count() * 1000));
  struct Restore {
    LIBSSH2_SESSION* s;
    ~Restore() {
      libssh2_session_set_timeout(s, 0);
      libssh2_session_set_blocking(s, 0);
    }
  } restore{session_};
  if (!sftp_ && !(sftp_ = libssh2_sftp_init(session_))) throw fail("SFTP is not available");
  LIBSSH2_SFTP_HANDLE* h = libssh2_sftp_open(sftp_, remote_path.c_str(),
                                             LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, long(mode));
  if (!h) throw fail("open failed");
  char buf[32768];
  uint64_t sent = 0;
  while (in) {
    in.read(buf, sizeof buf);
    size_t n = size_t(in.gcount()), off = 0;
    while (off < n) {
      ssize_t w = libssh2_sftp_write(h, buf + off, n - off);
      if (w < 0) {
        libssh2_sftp_close(h);
        throw fail("write failed");
      }
      off += size_t(w);
    }
    sent += n;
    if (progress) progress(sent);
  }
  LIBSSH2_SFTP_ATTRIBUTES attrs{};
  attrs.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
  attrs.permissions = mode;
  libssh2_sftp_fsetstat(h, &attrs);  // existing files keep their old mode otherwise
  if (libssh2_sftp_close(h) != 0) throw fail("close failed");
}

int SshSession::interactive(const std::string& command) {
  libssh2_session_set_blocking(session_, 1);
  LIBSSH2_CHANNEL* ch = libssh2_channel_open_session(session_);
  if (!ch) throw Error(ErrorKind::Network, target_.subject() + ": cannot open a session channel", {}, {});
  int cols, rows;
  window_size(cols, rows);
  const char* term = std::getenv("TERM");
  std::string t = term && *term ? term : "xterm-256color";
  if (libssh2_channel_request_pty_ex(ch, t.c_str(), unsigned(t.size()), nullptr, 0, cols, rows, 0, 0) != 0)
    throw Error(ErrorKind::Remote, target_.subject() + ": the server refused a terminal (PTY)", {}, {});
  int rc = command.empty() ? libssh2_channel_shell(ch) : libssh2_channel_exec(ch, command.c_str());
  if (rc != 0) throw Error(ErrorKind::Remote, target_.subject() + ": cannot start the remote shell", {}, {});
  struct sigaction sa {
  }, old{};
  sa.sa_handler = on_winch;
  sigaction(SIGWINCH, &sa, &old);
  libssh2_session_set_blocking(session_, 0);
  const auto started = std::chrono::steady_clock::now();
  std::exception_ptr dead;  // the node stopped answering
  {
    RawTerminal raw;
    char buf[16384];
    bool stdin_open = true;
    while (!libssh2_channel_eof(ch)) {
      if (g_winch.exchange(false)) {
        window_size(cols, rows);
        libssh2_channel_request_pty_size(ch, cols, rows);
      }
      pollfd fds[2] = {{sock_, POLLIN, 0}, {STDIN_FILENO, short(stdin_open ? POLLIN : 0), 0}};
      ::poll(fds, 2, 100);
      if (stdin_open && (fds[1].revents & (POLLIN | POLLHUP))) {
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n <= 0) {
          stdin_open = false;
          libssh2_channel_send_eof(ch);
        }
        for (ssize_t off = 0; off < n;) {
          ssize_t w = libssh2_channel_write(ch, buf + off, size_t(n - off));
          if (w == LIBSSH2_ERROR_EAGAIN) {
            wait_socket(100);
            continue;
          }
          if (w < 0) break;
          off += w;
        }
      }
      for (int stream : {0, 1}) {
        ssize_t n;
        while ((n = libssh2_channel_read_ex(ch, stream, buf, sizeof buf)) > 0)
          (void)!::write(stream == 0 ? STDOUT_FILENO : STDERR_FILENO, buf, size_t(n));
        if (n < 0 && n != LIBSSH2_ERROR_EAGAIN) goto done;
      }
      try {
        keep_alive(started, "during the interactive session");
      } catch (...) {
        dead = std::current_exception();
        goto done;
      }
    }
  done:;
  }
  sigaction(SIGWINCH, &old, nullptr);
  if (dead) {
    libssh2_session_set_blocking(session_, 1);
    libssh2_session_set_timeout(session_, 2000);
    libssh2_channel_free(ch);
    std::rethrow_exception(dead);
  }
  libssh2_session_set_blocking(session_, 1);
  libssh2_channel_close(ch);
  libssh2_channel_wait_closed(ch);
  int status = libssh2_channel_get_exit_status(ch);
  libssh2_channel_free(ch);
  libssh2_session_set_blocking(session_, 0);
  return status;
}

}  // namespace rayctl
