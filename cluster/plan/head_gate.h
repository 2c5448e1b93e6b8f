// HeadGate: what the workers of one `rayctl up` know about their head while all nodes are set up
// at once. Workers connect, upload and run their setup and `ray stop` in parallel with the head,
// then wait here before their own `ray start`: the head's start commands come first, as in
// `ray up`. The head moves Preparing → Starting (its first `ray start` begins, so a Ray it
// restarts is already stopped) → Started, or → Failed at any point (with its error, which the
// workers repeat). It only coordinates; the plan (node_plan.h) says where workers wait.
#pragma once

#include "cluster/nodes/remote_runner.h"

#include <condition_variable>
#include <mutex>
#include <string>

namespace rayctl {

class HeadGate {
 public:
  enum class State { Preparing, Starting, Started, Failed };

  // `user_cancel` (Ctrl-C) also ends every wait and sets both flags below.
  explicit HeadGate(const CancelFlag& user_cancel);

  void starting();
  void started();
  void failed(const std::string& error);

  // Blocks until the head is Starting or later, or the user cancelled; returns the state then.
  State wait_until_starting() const;
  State state() const;
  std::string failure() const;  // the head's error once Failed

  // Set once the head is Started or Failed: ends a worker's wait for the head's GCS.
  const CancelFlag& settled() const { return settled_; }
  // Set once the head Failed: cancels a worker's `ray start` that can no longer succeed.
  const CancelFlag& head_failed() const { return failed_; }

 private:
  void set(State s, const std::string& error);

  const CancelFlag& user_cancel_;
  CancelFlag settled_, failed_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  State state_ = State::Preparing;
  std::string failure_;
};

}  // namespace rayctl
