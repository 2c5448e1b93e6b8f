// ThreadPool: spin-then-sleep workers sharing an atomic task counter.
#include "inference/cpu/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RAYCTL_CPU_RELAX() _mm_pause()
#else
#define RAYCTL_CPU_RELAX() std::this_thread::yield()
#endif

namespace rayctl::inference {

bool SoloPolicy::window_done(double seconds, double straggler_s) {
  if (!solo_) {
    const bool stragglers = straggler_s > kStragglerShare * seconds;
    if (checking_) {
      // The first parallel window after a solo stretch: parallel again unless the stragglers
      // are still there and solo was faster.
      checking_ = false;
      if (stragglers && solo_s_ < kMargin * seconds) {
        solo_ = true;
        probe_every_ = std::min(2 * probe_every_, kMaxProbe);
        until_probe_ = probe_every_;
        return solo_;
      }
      probe_every_ = kFirstProbe;
    }
    parallel_s_ = seconds;
    if (stragglers) {
      solo_ = true;  // try one window solo
      trying_ = true;
    }
    return solo_;
  }
  solo_s_ = seconds;
  if (trying_) {
    trying_ = false;
    if (seconds < kMargin * parallel_s_) {
      until_probe_ = probe_every_;  // solo wins: stay
    } else {
      solo_ = false;
    }
    return solo_;
  }
  if (--until_probe_ <= 0) {
    solo_ = false;
    checking_ = true;
  }
  return solo_;
}

namespace {
// How long an idle worker polls for the next loop before it sleeps.
constexpr auto kSpin = std::chrono::microseconds(200);
}  // namespace

ThreadPool::ThreadPool(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
  for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this, i] { worker(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

namespace {
// A ticket: the loop's generation (low 24 bits of it), its task count and the next unclaimed
// task, 20 bits each. A worker is never more than a loop or two behind, so 24 bits of
// generation tell "this loop" from "an earlier one".
constexpr int kTaskBits = 20;
constexpr uint64_t kTaskMask = (uint64_t(1) << kTaskBits) - 1, kGenMask = (uint64_t(1) << 24) - 1;
uint64_t make_ticket(uint64_t generation, int64_t n_tasks) {
  return (generation & kGenMask) << (2 * kTaskBits) | uint64_t(n_tasks) << kTaskBits;
}
}  // namespace

bool ThreadPool::claim(uint64_t generation, int64_t& task) {
  uint64_t t = ticket_.load(std::memory_order_acquire);
  for (;;) {
    if ((t >> (2 * kTaskBits)) != (generation & kGenMask) || (t & kTaskMask) >= ((t >> kTaskBits) & kTaskMask))
      return false;
    if (ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
      task = int64_t(t & kTaskMask);
      return true;
    }
  }
}

void ThreadPool::run_tasks(int thread) {
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  int64_t task;
  while (claim(generation, task)) {
    (*fn_)(task, thread);
    done_.fetch_add(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::parallel_for(int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
  if (n_tasks <= 0) return;
  if (n_threads_ == 1 || n_tasks == 1) {
    for (int64_t t = 0; t < n_tasks; ++t) fn(t, 0);
    return;
  }
  if (uint64_t(n_tasks) > kTaskMask) throw std::length_error("ThreadPool::parallel_for: more than 2^20 tasks");
  const auto t0 = std::chrono::steady_clock::now();
  if (policy_.solo()) {
    for (int64_t t = 0; t < n_tasks; ++t) fn(t, 0);
  } else {
    window_straggler_s_ += run_parallel(n_tasks, fn);
  }
  window_s_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (++window_loops_ == SoloPolicy::kLoopsPerWindow) {
    policy_.window_done(window_s_, window_straggler_s_);
    window_loops_ = 0;
    window_s_ = window_straggler_s_ = 0;
  }
}

double ThreadPool::run_parallel(int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
  fn_ = &fn;
  done_.store(0, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lk(mu_);
    const uint64_t g = generation_.load(std::memory_order_relaxed) + 1;
    ticket_.store(make_ticket(g, n_tasks), std::memory_order_release);
    generation_.store(g, std::memory_order_release);
  }
  wake_.notify_all();
  run_tasks(0);
  // Only tasks that a worker claimed and is still running are waited for.
  const auto t1 = std::chrono::steady_clock::now();
  while (done_.load(std::memory_order_acquire) != n_tasks) RAYCTL_CPU_RELAX();
  const double straggler_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  fn_ = nullptr;
  return straggler_s;
}

void ThreadPool::worker(int index) {
  uint64_t seen = 0;
  for (;;) {
    // Spin for a short while, then sleep until the generation changes.
    auto until = std::chrono::steady_clock::now() + kSpin;
    int polls = 0;
    while (generation_.load(std::memory_order_acquire) == seen) {
      RAYCTL_CPU_RELAX();
      if (++polls % 64 == 0 && std::chrono::steady_clock::now() > until) {
        std::unique_lock<std::mutex> lk(mu_);
        wake_.wait(lk, [&] { return generation_.load(std::memory_order_acquire) != seen; });
        break;
      }
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    run_tasks(index);
  }
}

}  // namespace rayctl::inference
