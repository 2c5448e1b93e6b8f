// RemoteRunner: the seam between rayctl's cluster logic and the machines it drives. One runner
// stands for one node: it connects, runs shell commands with streamed output and an exit code,
// and copies files there. SSH (SshRunner) and this machine (LocalRunner) implement it, so tests
// of the planning and fan-out logic substitute the operating system, never the logic.
// This file deliberately holds no policy: what to run where is decided by NodePlan.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace rayctl {

struct LauncherNode;

// A cancellation request shared by every thread of one operation (set by SIGINT handling).
// A flag made with a parent also reads as cancelled once the parent is: a narrower reason to
// stop (e.g. "the head failed") that Ctrl-C still covers.
class CancelFlag {
 public:
  CancelFlag() = default;
  explicit CancelFlag(const CancelFlag* parent) : parent_(parent) {}
  void cancel() { set_.store(true); }
  bool cancelled() const { return set_.load() || (parent_ && parent_->cancelled()); }

 private:
  std::atomic<bool> set_{false};
  const CancelFlag* parent_ = nullptr;
};

// One command for a node: shell text run by `bash --login -c` there, with variables exported
// first (e.g. RAY_HEAD_IP).
struct RemoteCommand {
  std::string script;
  std::map<std::string, std::string> env;
};

// Called for each complete line of output: stream 1 = stdout, 2 = stderr.
using OutputSink = std::function<void(int stream, const std::string& line)>;

// Called while a file is copied with the bytes sent so far.
using UploadProgress = std::function<void(uint64_t sent)>;

// Exit code a runner returns when it cancelled a command on request.
inline constexpr int kCancelledExit = 130;

class RemoteRunner {
 public:
  virtual ~RemoteRunner() = default;
  // Node name used in every message ("head", "worker-2").
  virtual const std::string& node() const = 0;
  // Where the node is reached: "root@192.168.231.12:22", "local".
  virtual std::string address() const = 0;
  // Opens the connection (with the runner's retry policy); throws Error(Network|Auth|HostKey|
  // Cancelled) naming the node. Calling it again on a connected runner is a no-op.
  virtual void connect(const CancelFlag& cancel) = 0;
  // Runs one command and returns its exit code (128+N when killed by signal N). When `cancel`
  // is set while it runs, the remote command is signalled and kCancelledExit is returned.
  // A lost connection throws Error(Network); a command is never silently re-run.
  virtual int run(const RemoteCommand& cmd, const OutputSink& sink, const CancelFlag& cancel) = 0;
  // Copies one local file to `remote_path` (parents created), keeping the mode bits; `progress`
  // (if set) hears how far it got.
  virtual void upload(const std::string& local_path, const std::string& remote_path,
                      const UploadProgress& progress = {}) = 0;
  // Closes the connection; safe to call twice.
  virtual void close() = 0;
};

// Makes the runner for a node (SSH or local); tests pass one that makes fakes (UpParts, cluster_up.h).
using RunnerFactory = std::function<std::unique_ptr<RemoteRunner>(const LauncherNode& node)>;

}  // namespace rayctl
