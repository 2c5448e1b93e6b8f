// ThreadPool: a fixed set of worker threads that run one parallel loop at a time for the CPU
// backend (a matmul's rows, attention heads). The calling thread takes part, so a pool of N
// threads starts N-1 workers. Workers spin briefly between loops (a forward step runs ~150
// loops back to back, and waking a sleeping thread costs more than a small loop), then sleep.
// A loop ends when its tasks are done, not when every worker has shown up: on a busy machine
// a worker that is not scheduled in time simply takes no part, and the caller does its share
// instead of waiting for it; a machine so busy that waiting for workers costs more than they
// give makes the pool run loops on the caller alone for a while (SoloPolicy).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rayctl::inference {

// When to run loops on the calling thread alone. On a machine with more runnable threads than
// cores (a shared Ray node), a worker descheduled while it holds a task stalls the whole loop
// for a time slice, and N threads can be slower than one (measured: 2 threads 115 tokens/s
// against 1 thread 207 with one busy process beside them on 2 cores). The pool times windows of
// loops and, in parallel windows, how long the caller waited for other threads' last tasks (3–6%
// of the time on a quiet machine, ~60% in that case). A parallel window with more waiting than
// kStragglerShare is followed by one solo window; solo stays if it was faster by the margin.
// After a stretch of solo windows (4, doubling while parallel keeps losing, up to 64) one
// parallel window looks again. A quiet machine never runs a solo window.
// Solo changes who runs a task, never how the work is split, so results do not change.
class SoloPolicy {
 public:
  static constexpr int kLoopsPerWindow = 512;
  static constexpr int kFirstProbe = 4, kMaxProbe = 64;
  static constexpr double kStragglerShare = 0.25;
  static constexpr double kMargin = 0.9;  // solo must take less than this times parallel

  bool solo() const { return solo_; }
  // A window of loops is done: its seconds, and (parallel windows) the seconds spent waiting for
  // other threads' tasks. Returns the mode of the next window.
  bool window_done(double seconds, double straggler_s);

 private:
  bool solo_ = false;
  bool trying_ = false;                 // this solo window is the one after stragglers were seen
  bool checking_ = false;               // this parallel window ends a solo stretch
  double parallel_s_ = 0, solo_s_ = 0;  // the last window of each mode
  int until_probe_ = 0;
  int probe_every_ = kFirstProbe;
};

class ThreadPool {
 public:
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return n_threads_; }
  // Calls fn(task, thread_index) for every task in [0, n_tasks); tasks are handed out
  // dynamically. Returns when all have run. thread_index is in [0, size()).
  // Not re-entrant: one loop at a time, from one caller thread.
  void parallel_for(int64_t n_tasks, const std::function<void(int64_t task, int thread)>& fn);

 private:
  void worker(int index);
  void run_tasks(int thread);
  // Returns the seconds the caller waited, after its own tasks, for other threads' tasks.
  double run_parallel(int64_t n_tasks, const std::function<void(int64_t, int)>& fn);

  int n_threads_;
  std::vector<std::thread> workers_;
  // Claims one task of loop `generation`; false once that loop has no task left (or has ended).
  bool claim(uint64_t generation, int64_t& task);

  const std::function<void(int64_t, int)>* fn_ = nullptr;
  // The current loop's generation, task count and next unclaimed task in one word, so that a
  // worker late for one loop can never claim a task of the next.
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int64_t> done_{0};  // tasks of the current loop finished
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  // Solo or parallel (SoloPolicy), and the current window's loops and time inside them.
  SoloPolicy policy_;
  int window_loops_ = 0;
  double window_s_ = 0, window_straggler_s_ = 0;
};

}  // namespace rayctl::inference
