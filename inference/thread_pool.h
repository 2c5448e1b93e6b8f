// ThreadPool: a fixed set of worker threads that run one parallel loop at a time for the CPU
// backend (a matmul's rows, attention heads). The calling thread takes part, so a pool of N
// threads starts N-1 workers. Workers spin briefly between loops (a forward step runs ~150
// loops back to back, and waking a sleeping thread costs more than a small loop), then sleep.
// A loop ends when its tasks are done, not when every worker has shown up: on a busy machine
// a worker that is not scheduled in time simply takes no part, and the caller does its share
// instead of waiting for it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rayctl::inference {

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

  int n_threads_;
  std::vector<std::thread> workers_;
  // Claims one task of loop `generation`; false once that loop has no task left (or has ended).
  bool claim(uint64_t generation, int64_t& task);

  const std::function<void(int64_t, int)>* fn_ = nullptr;
  // The current loop's generation, task count and next unclaimed task in one word, so that a
  // worker late for one loop can never claim a task of the next.
  std::atomic<uint64_t> ticket_{0};
  std::atomic<int64_t> done_{0};      // tasks of the current loop finished
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable wake_;
};

}  // namespace rayctl::inference
