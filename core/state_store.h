// Files that must never be half-written or interleaved: atomic writes (temp file in the same
// directory + fsync + rename, with the requested mode from creation on) and advisory locks
// (flock) held for the life of a FileLock. Also where rayctl keeps per-cluster state.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace rayctl {

// Writes `content` to `path` atomically with permission `mode` (0600 for anything with keys).
// Creates missing parent directories with 0700. Throws Error(Io) naming the path.
void write_file_atomic(const std::string& path, const std::string& content, unsigned mode = 0600);
std::optional<std::string> read_file(const std::string& path);  // nullopt if missing
std::string read_file_or_throw(const std::string& path);        // Error(Io) naming the path

// An exclusive flock on `path` (created 0600 if missing) for the object's lifetime.
class FileLock {
 public:
  // Waits at most `wait` for the lock; throws Error(Conflict) naming the holder's pid when busy.
  FileLock(const std::string& path, std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
  std::string path_;
};

// $RAYCTL_STATE_DIR, else $XDG_STATE_HOME/rayctl, else ~/.rayctl. Created 0700 on demand.
std::string state_dir();

}  // namespace rayctl
