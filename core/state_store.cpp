// Atomic files and flock-based locks.
#include "core/state_store.h"

#include "core/error.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace rayctl {

namespace fs = std::filesystem;

static void make_dirs(const fs::path& dir) {
  std::error_code ec;
  if (dir.empty() || fs::exists(dir, ec)) return;
  make_dirs(dir.parent_path());
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw Error(ErrorKind::Io, fmt::format("cannot create directory {}: {}", dir.string(), std::strerror(errno)));
}

void write_file_atomic(const std::string& path, const std::string& content, unsigned mode) {
  fs::path p(path);
  make_dirs(p.parent_path());
  std::string tmp = (p.parent_path() / ("." + p.filename().string() + ".tmp.XXXXXX")).string();
  std::vector<char> buf(tmp.begin(), tmp.end());
  buf.push_back('\0');
  int fd = mkstemp(buf.data());  // created 0600: never readable by others, even briefly
  if (fd < 0) throw Error(ErrorKind::Io, fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  std::string tmp_path(buf.data());
  auto fail = [&](const char* what) {
    int e = errno;
    close(fd);
    unlink(tmp_path.c_str());
    throw Error(ErrorKind::Io, fmt::format("cannot write {}: {} ({})", path, std::strerror(e), what));
  };
  size_t off = 0;
  while (off < content.size()) {
    ssize_t w = write(fd, content.data() + off, content.size() - off);
    if (w < 0) {
      if (errno == EINTR) continue;
      fail("write");
    }
    off += static_cast<size_t>(w);
  }
  if (fchmod(fd, mode) != 0) fail("chmod");
  if (fsync(fd) != 0) fail("fsync");
  close(fd);
  if (rename(tmp_path.c_str(), path.c_str()) != 0) {
    int e = errno;
    unlink(tmp_path.c_str());
    throw Error(ErrorKind::Io, fmt::format("cannot replace {}: {}", path, std::strerror(e)));
  }
  int dfd = open(p.parent_path().empty() ? "." : p.parent_path().c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string read_file_or_throw(const std::string& path) {
  auto s = read_file(path);
  if (!s)
    throw Error(ErrorKind::Io, fmt::format("cannot read {}: {}", path, std::strerror(errno)),
                "check the path and its permissions");
  return *s;
}

FileLock::FileLock(const std::string& path, std::chrono::milliseconds wait) : path_(path) {
  make_dirs(fs::path(path).parent_path());
  fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw Error(ErrorKind::Io, fmt::format("cannot open lock file {}: {}", path, std::strerror(errno)));
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int e = errno;
      close(fd_);
      throw Error(ErrorKind::Io, fmt::format("cannot lock {}: {}", path, std::strerror(e)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      char holder[32] = {0};
      ssize_t n = pread(fd_, holder, sizeof holder - 1, 0);
      std::string pid = n > 0 ? std::string(holder, static_cast<size_t>(n)) : std::string("unknown");
      while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
      close(fd_);
      fd_ = -1;
      throw Error(ErrorKind::Conflict, fmt::format("another rayctl (pid {}) holds the lock {}", pid, path),
                  "wait for it to finish; if no rayctl is running, the lock is released automatically");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string me = std::to_string(getpid()) + "\n";
  if (ftruncate(fd_, 0) == 0) (void)!pwrite(fd_, me.data(), me.size(), 0);
}

FileLock::~FileLock() {
  if (fd_ >= 0) {
    if (ftruncate(fd_, 0) != 0) {
    }
    flock(fd_, LOCK_UN);
    close(fd_);
  }
}

static std::string home() {
  const char* h = std::getenv("HOME");
  return h && *h ? h : "/root";
}

std::string state_dir() {
  if (const char* d = std::getenv("RAYCTL_STATE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_STATE_HOME"); x && *x) return std::string(x) + "/rayctl";
  return home() + "/.rayctl";
}

}  // namespace rayctl
