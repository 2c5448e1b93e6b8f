// FanoutExecutor: runs one piece of work per node over many nodes at once, with bounded
// concurrency. Each node's output is streamed with the node's name as prefix (on a TTY above
// a live per-node status board, otherwise as plain lines), and for each node it records the
// outcome: ok or the error, exit code, duration and the last lines of output. It decides
// nothing about what runs — the work function does; it only runs, reports and collects.
// InterruptGuard turns Ctrl-C into a CancelFlag so the work can stop cleanly.
#pragma once

#include "cluster/nodes/remote_runner.h"
#include "core/error.h"
#include "core/output.h"

#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

struct NodeOutcome {
  std::string node;
  bool ok = false;
  bool cancelled = false;
  std::optional<ErrorKind> error_kind;
  std::string error;  // message of the failure, naming the node
  std::string hint;
  int exit_code = 0;  // of the last command run
  double seconds = 0;
  std::vector<std::string> tail;  // last lines of output
  std::string detail;             // set by the work function (e.g. "set up + started")
};

// What a node's work uses to report progress and output.
class NodeReporter {
 public:
  virtual ~NodeReporter() = default;
  virtual void status(const std::string& text) = 0;
  virtual void line(int stream, const std::string& text) = 0;
  virtual NodeOutcome& outcome() = 0;
};

struct FanoutOptions {
  int concurrency = 32;
  bool stream_output = true;  // print each output line (prefixed); the tail is kept either way
  size_t tail_lines = 20;
  bool show_progress = true;  // the per-node status board / lines (off for `logs`: only log lines)
};

class FanoutExecutor {
 public:
  FanoutExecutor(IOStreams& io, FanoutOptions opt = {});
  // Runs work(i, reporter) for each node name; exceptions become failed outcomes. Returns one
  // outcome per node, in input order. Nodes not yet started when `cancel` is set are marked
  // cancelled without running.
  std::vector<NodeOutcome> run(const std::vector<std::string>& nodes,
                               const std::function<void(size_t, NodeReporter&)>& work, const CancelFlag& cancel);

 private:
  IOStreams& io_;
  FanoutOptions opt_;
};

// While alive, SIGINT/SIGTERM set `flag` instead of killing the process; a second Ctrl-C
// restores the default action (so a stuck operation can still be killed).
class InterruptGuard {
 public:
  explicit InterruptGuard(CancelFlag& flag);
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

// Throws the first failure among outcomes as an Error (Cancelled wins), or returns quietly.
void throw_first_failure(const std::vector<NodeOutcome>& outcomes, const std::string& what);

}  // namespace rayctl
