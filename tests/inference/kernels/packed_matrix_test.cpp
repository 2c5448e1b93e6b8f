// The CPU matmul kernel families against the per-row reference: the tiled kernels of
// matmul_rows and the PackedMatrix kernels, on every family this CPU has (scalar packed loop,
// AVX2, AVX-512 VNNI), every batch width up to past two tiles, with and without outliers.
#include "inference/kernels/packed_matrix.h"
#include "inference/cpu/thread_pool.h"
#include "inference/kernels/quant_formats.h"
#include "inference/kernels/quant_matmul_isa.h"
#include "tests/inference/support/reference_quantizers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace rayctl::inference {

namespace {

constexpr QuantKernelIsa kFamilies[] = {QuantKernelIsa::RowDots, QuantKernelIsa::Avx2, QuantKernelIsa::Avx512Vnni};

struct Fixture {
  GgmlType type;
  int64_t n, rows;
  std::vector<uint8_t> q;
  WeightView view;
  Fixture(GgmlType t, int64_t n_, int64_t rows_, uint32_t seed) : type(t), n(n_), rows(rows_) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0, 0.05f);
    std::vector<float> w(size_t(n * rows));
    for (auto& v : w) v = nd(rng);
    const size_t rb = ggml_row_bytes(t, n);
    q.resize(rb * size_t(rows));
    for (int64_t r = 0; r < rows; ++r) quantize_row(t, w.data() + r * n, q.data() + size_t(r) * rb, n);
    view.name = "test.weight";
    view.type = t;
    view.ne = {n, rows};
    view.data = q.data();
    view.nbytes = q.size();
  }
};

// batch activation vectors, quantized with outliers taken out (some made on purpose).
struct Activations {
  std::vector<BlockQ8Act> xq;
  std::vector<Q8Outlier> items;
  std::vector<int32_t> counts;
  int64_t stride;
  Activations(int64_t n, int64_t batch, uint32_t seed) : stride(n / 32 * kQ8MaxOutliersPerBlock) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0, 1.0f);
    std::vector<float> x(size_t(n * batch));
    for (auto& v : x) v = nd(rng);
    for (int64_t b = 0; b < batch; b += 2) x[size_t(b * n + 7 + b)] = 3000.0f, x[size_t(b * n + n - 3)] = -400.0f;
    xq.resize(size_t(n / 32 * batch));
    items.resize(size_t(stride * batch));
    counts.resize(size_t(batch));
    for (int64_t b = 0; b < batch; ++b)
      counts[size_t(b)] =
          quantize_activation_q8_outliers(x.data() + b * n, n, xq.data() + b * n / 32, items.data() + b * stride);
  }
  Q8Outliers outliers() const { return {items.data(), counts.data(), stride}; }
};

// Resets the process-wide kernel family after each test.
class KernelFamilies : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!set_quant_kernel_family(QuantKernelIsa::Avx512Vnni)) set_quant_kernel_family(QuantKernelIsa::Avx2);
  }
};

std::vector<float> reference(const Fixture& f, const Activations& a, int64_t batch, bool with_outliers) {
  EXPECT_TRUE(set_quant_kernel_family(QuantKernelIsa::RowDots));
  std::vector<float> y(size_t(f.rows * batch));
  const Q8Outliers o = a.outliers();
  matmul_rows(f.type, f.q.data(), f.n, 0, f.rows, nullptr, a.xq.data(), batch, y.data(), f.rows,
              with_outliers ? &o : nullptr);
  return y;
}

void expect_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    ASSERT_NEAR(got[i], want[i], 2e-5 * (1 + std::fabs(want[i]))) << what << " at " << i;
}

}  // namespace

TEST_F(KernelFamilies, TiledMatmulMatchesRowDots) {
  for (GgmlType t : {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q8_0}) {
    Fixture f(t, 576, 40, 1);
    for (int64_t batch : {1, 2, 3, 4, 5, 9}) {
      Activations a(f.n, batch, uint32_t(10 + batch));
      const auto want = reference(f, a, batch, true);
      for (QuantKernelIsa isa : kFamilies) {
        if (!set_quant_kernel_family(isa)) continue;
        std::vector<float> y(want.size(), -7.0f);
        const Q8Outliers o = a.outliers();
        // In two row ranges, as the backend's threads call it.
        matmul_rows(t, f.q.data(), f.n, 0, 24, nullptr, a.xq.data(), batch, y.data(), f.rows, &o);
        matmul_rows(t, f.q.data(), f.n, 24, f.rows, nullptr, a.xq.data(), batch, y.data(), f.rows, &o);
        expect_close(y, want,
                     std::string(ggml_type_name(t)) + " " + quant_kernel_isa() + " batch " + std::to_string(batch));
      }
    }
  }
}

TEST_F(KernelFamilies, PackedMatmulMatchesRowDots) {
  for (GgmlType t : {GgmlType::Q4_1, GgmlType::Q8_0}) {
    Fixture f(t, 1536, 48, 2);
    ASSERT_TRUE(PackedMatrix::supports(f.view));
    PackedMatrix p(f.view);
    EXPECT_EQ(p.rows(), 48);
    EXPECT_EQ(p.row_len(), 1536);
    for (int64_t batch : {1, 2, 3, 4, 5, 8, 9}) {
      Activations a(f.n, batch, uint32_t(20 + batch));
      for (bool with_outliers : {false, true}) {
        const auto want = reference(f, a, batch, with_outliers);
        for (QuantKernelIsa isa : kFamilies) {
          if (!set_quant_kernel_family(isa)) continue;
          std::vector<float> y(want.size(), -7.0f);
          const Q8Outliers o = a.outliers();
          packed_matmul(p, 0, 16, a.xq.data(), batch, y.data(), f.rows, with_outliers ? &o : nullptr);
          packed_matmul(p, 16, f.rows, a.xq.data(), batch, y.data(), f.rows, with_outliers ? &o : nullptr);
          expect_close(y, want,
                       std::string(ggml_type_name(t)) + " " + quant_kernel_isa() + " batch " + std::to_string(batch) +
                           (with_outliers ? " with outliers" : ""));
        }
      }
    }
  }
}

TEST(PackedMatrix, RefusesWhatItCannotPack) {
  Fixture q41(GgmlType::Q4_1, 64, 12, 3);  // 12 rows: not whole groups of 8
  EXPECT_FALSE(PackedMatrix::supports(q41.view));
  EXPECT_THROW(PackedMatrix{q41.view}, std::invalid_argument);
  Fixture q40(GgmlType::Q4_0, 64, 16, 3);  // a type without a packed layout
  EXPECT_FALSE(PackedMatrix::supports(q40.view));
  Fixture ok(GgmlType::Q8_0, 64, 16, 3);
  PackedMatrix p(ok.view);
  std::vector<BlockQ8Act> xq(2);
  std::vector<float> y(16);
  EXPECT_THROW(packed_matmul(p, 4, 16, xq.data(), 1, y.data(), 16), std::invalid_argument);
  EXPECT_THROW(packed_matmul(p, 0, 24, xq.data(), 1, y.data(), 16), std::invalid_argument);
}

// Every task of every loop runs exactly once, loop after loop, whatever the task count.
TEST(ThreadPool, RunsEveryTaskOnceAcrossManyLoops) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(5000);
  int64_t expected_total = 0;
  for (int loop = 0; loop < 3000; ++loop) {
    const int64_t n = 1 + (loop * 37) % 200;
    pool.parallel_for(n, [&](int64_t task, int thread) {
      ASSERT_GE(thread, 0);
      ASSERT_LT(thread, 3);
      hits[size_t(task)].fetch_add(1, std::memory_order_relaxed);
    });
    expected_total += n;
  }
  int64_t total = 0;
  for (auto& h : hits) total += h.load();
  EXPECT_EQ(total, expected_total);
  pool.parallel_for(5000, [&](int64_t task, int) { hits[size_t(task)].store(-1); });
  for (auto& h : hits) EXPECT_EQ(h.load(), -1);
  EXPECT_THROW(pool.parallel_for(int64_t(1) << 21, [](int64_t, int) {}), std::length_error);
}

// More threads than cores (as on a busy machine): a loop still ends once its tasks are done.
TEST(ThreadPool, FinishesWithOversubscribedThreads) {
  ThreadPool pool(16);
  std::atomic<int64_t> sum{0};
  for (int loop = 0; loop < 500; ++loop) pool.parallel_for(7, [&](int64_t task, int) { sum += task; });
  EXPECT_EQ(sum.load(), 500 * 21);
}

// SoloPolicy, driven with made-up window times: a quiet machine never runs solo; stragglers
// lead to one solo window, kept when it is faster; parallel looks again after 4 solo windows,
// then after 8, 16 … while it keeps losing, and wins back at once when the stragglers are gone.
TEST(SoloPolicy, TriesSoloOnlyOnStragglersAndLooksBackLessOften) {
  SoloPolicy p;
  for (int i = 0; i < 100; ++i) ASSERT_FALSE(p.window_done(0.010, 0.0005));  // 5% waiting: quiet
  // Stragglers (60% waiting), but solo is slower: back to parallel after one window.
  EXPECT_TRUE(p.window_done(0.030, 0.018));
  EXPECT_FALSE(p.window_done(0.040, 0));
  // Stragglers again, and solo is faster: it stays for 4 windows, then parallel looks.
  EXPECT_TRUE(p.window_done(0.030, 0.018));
  EXPECT_TRUE(p.window_done(0.018, 0));  // the try: faster than 0.9 x 0.030
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(p.window_done(0.018, 0)) << i;
  EXPECT_FALSE(p.window_done(0.018, 0));  // 4th solo window done: the next one is parallel
  // Parallel still straggles and is slower than solo: solo for 8 windows now.
  EXPECT_TRUE(p.window_done(0.030, 0.018));
  int solo_windows = 0;
  while (p.window_done(0.018, 0)) ++solo_windows;
  EXPECT_EQ(solo_windows, 7);  // plus the one that returned false: 8 solo windows
  // Parallel loses again: 16 …
  EXPECT_TRUE(p.window_done(0.030, 0.018));
  solo_windows = 0;
  while (p.window_done(0.018, 0)) ++solo_windows;
  EXPECT_EQ(solo_windows, 15);
  // The stragglers are gone: parallel stays, and the next solo stretch is short again.
  EXPECT_FALSE(p.window_done(0.010, 0.0005));
  EXPECT_FALSE(p.window_done(0.010, 0.0005));
  EXPECT_TRUE(p.window_done(0.030, 0.018));
  EXPECT_TRUE(p.window_done(0.018, 0));
  solo_windows = 0;
  while (p.window_done(0.018, 0)) ++solo_windows;
  EXPECT_EQ(solo_windows, 3);
  // The stretch never exceeds 64 windows.
  for (int round = 0; round < 10; ++round) {
    ASSERT_TRUE(p.window_done(0.030, 0.018));
    solo_windows = 0;
    while (p.window_done(0.018, 0)) ++solo_windows;
    EXPECT_LE(solo_windows, SoloPolicy::kMaxProbe - 1);
  }
  EXPECT_EQ(solo_windows, SoloPolicy::kMaxProbe - 1);
}

// A pool whose worker lags (each of its tasks takes 1 ms more, as when a descheduled thread
// holds a task) switches to running loops on the caller alone, and every task still runs once.
TEST(ThreadPool, RunsSoloWhenWaitingForWorkersCostsMoreThanTheyGive) {
  ThreadPool pool(2);
  std::atomic<int64_t> sum{0}, by_worker{0};
  auto busy = [](std::chrono::microseconds d) {
    for (auto until = std::chrono::steady_clock::now() + d; std::chrono::steady_clock::now() < until;) {
    }
  };
  auto loop = [&](int64_t task, int thread) {
    busy(std::chrono::microseconds(thread == 0 ? 50 : 1050));
    if (thread != 0) by_worker++;
    sum += task;
  };
  // Window 1 runs in parallel and sees the stragglers, window 2 tries solo (faster: ~0.4 ms a
  // loop against ~1.1 ms), so windows 3 and 4 stay solo.
  for (int i = 0; i < 3 * SoloPolicy::kLoopsPerWindow; ++i) pool.parallel_for(8, loop);
  const int64_t in_first_windows = by_worker.load();
  EXPECT_GT(in_first_windows, SoloPolicy::kLoopsPerWindow / 2)
      << "the worker never took a task: the test shows nothing";
  for (int i = 0; i < SoloPolicy::kLoopsPerWindow; ++i) pool.parallel_for(8, loop);
  EXPECT_EQ(by_worker.load(), in_first_windows) << "the lagging worker still took tasks in window 4";
  EXPECT_EQ(sum.load(), int64_t(4) * SoloPolicy::kLoopsPerWindow * 28);
}

}  // namespace rayctl::inference

namespace rayctl::inference {

// The vectorised activation quantizer gives the same blocks as the scalar definition
// (round to nearest even, d = max|x|/127, sum = d·Σq).
TEST(Q8Activations, MatchTheScalarDefinition) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0, 1.0f);
  std::vector<float> x(32 * 64);
  for (auto& v : x) v = nd(rng) * 3;
  for (int j = 0; j < 32; ++j) x[size_t(32 + j)] = 0.0f;              // an all-zero block
  for (int j = 0; j < 32; ++j) x[size_t(64 + j)] = float(j) - 15.5f;  // halves: ties to even
  x[100] = 127.0f * 3;
  std::vector<BlockQ8Act> got(64);
  quantize_activation_q8(x.data(), int64_t(x.size()), got.data());
  for (size_t i = 0; i < got.size(); ++i) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[i * 32 + j]));
    const float d = amax / 127, id = d ? 1.0f / d : 0.0f;
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      const int q = int(std::lrintf(x[i * 32 + j] * id));
      ASSERT_EQ(got[i].qs[j], q) << "block " << i << " value " << j;
      sum += q;
    }
    EXPECT_EQ(got[i].d, d);
    EXPECT_EQ(got[i].sum, d * float(sum));
  }
}

}  // namespace rayctl::inference
