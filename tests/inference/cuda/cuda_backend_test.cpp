// CudaBackend against the CPU backend's exact path (f32 activations and KV), the reference:
//  - tiny random-weight checkpoints (tests/fixtures/inference/tiny: llama f32, llama f16 with
//    llama3 RoPE scaling and tied embeddings, qwen2 bf16 with q/k/v biases): every logit of a
//    whole-prompt prefill, a chunked prefill (16-token chunks) and all prompts in one step with
//    scattered KV blocks within kTinyTol; 64 greedy tokens the same;
//  - the real SmolLM2-135M-Instruct Q4_1 (when cached): the goldens' prompts, logits within
//    kSmolTol, 128 greedy tokens the same for each (where a near-tie flips a token, the CPU
//    logit gap there must be under kNearTie and is printed; the comparison ends at that token).
// The GPU keeps the KV cache in f16 where the CPU exact path keeps f32: that is the whole of the
// expected difference (≤ 4.4e-3 measured on the tiny models for the CPU's own f16-KV path).
// Needs a GPU: skipped with the reason otherwise.
#include <gtest/gtest.h>

#ifdef RAYCTL_HAVE_CUDA
#include "core/error.h"
#include "inference/cpu/cpu_backend.h"
#include "inference/cuda/cuda_backend.h"
#include "inference/engine/sampler.h"
#include "inference/model/model_config.h"
#include "tests/inference/support/cached_model.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <numeric>

namespace rayctl::inference {
namespace {

constexpr double kTinyTol = 0.02;
constexpr double kSmolTol = 0.15;
constexpr double kNearTie = 0.1;
constexpr int kBlock = 16, kBlocks = 160;

#define SKIP_WITHOUT_GPU()                                                                    \
  do {                                                                                        \
    if (const std::string why = cuda_unavailable_reason(); !why.empty()) GTEST_SKIP() << why; \
  } while (0)

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot open " + path);
  return nlohmann::json::parse(f);
}

// RAYCTL_CUDA_TEST_MODEL names another GGUF (the GPU machine, which cannot fetch the real
// SmolLM2, uses a random-weight file of its shape and type from bench/cuda/make_random_gguf.py).
std::string cached_model() {
  if (const char* m = std::getenv("RAYCTL_CUDA_TEST_MODEL"); m && *m) return m;
  return cached_smollm2_model();
}

// A pair of backends on one model, each with its own KV pool of kBlocks blocks.
struct Pair {
  std::unique_ptr<ModelFile> file;
  std::unique_ptr<CpuBackend> cpu;
  std::unique_ptr<CudaBackend> gpu;
};

Pair open_pair(const std::string& path) {
  Pair p;
  p.file = ModelFile::open(path);
  CpuBackendOptions co;
  co.precision = CpuPrecision::Exact;
  co.max_context = kBlock * kBlocks;
  p.cpu = std::make_unique<CpuBackend>(*p.file, co);
  CudaBackendOptions go;
  go.max_context = kBlock * kBlocks;
  p.gpu = std::make_unique<CudaBackend>(*p.file, go);
  for (Backend* b : {static_cast<Backend*>(p.cpu.get()), static_cast<Backend*>(p.gpu.get())})
    b->allocate_kv({kBlock, kBlocks});
  return p;
}

// Block table of `n` blocks starting at `first`, reversed when `scatter` (the blocks a sequence
// gets need not be in order).
std::vector<int32_t> table(int first, int n, bool scatter) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  std::iota(t.begin(), t.end(), first);
  if (scatter) std::reverse(t.begin(), t.end());
  return t;
}

std::vector<float> prefill(Backend& be, const std::vector<int32_t>& prompt, int chunk, const std::vector<int32_t>& tb) {
  std::vector<float> logits(static_cast<size_t>(be.shape().vocab_size));
  const int n = static_cast<int>(prompt.size()), step = chunk > 0 ? chunk : n;
  for (int at = 0; at < n; at += step) {
    const int len = std::min(step, n - at);
    ForwardBatch b;
    b.slices.push_back({std::span<const int32_t>(prompt).subspan(size_t(at), size_t(len)), at, tb, at + len == n});
    be.forward(b, logits);
  }
  return logits;
}

double max_diff(std::span<const float> a, std::span<const float> b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
  return worst;
}

// Greedy decoding on both backends in lock step; EOS masked. Returns how many tokens matched;
// a mismatch is allowed only at a near-tie of the CPU's logits, and ends the comparison.
int greedy_compare(Pair& p, const std::vector<int32_t>& prompt, int n_gen, int32_t eos, const std::string& what) {
  const auto tb = table(0, kBlocks, false);
  std::vector<float> lc = prefill(*p.cpu, prompt, 0, tb), lg = prefill(*p.gpu, prompt, 0, tb);
  int32_t pos = static_cast<int32_t>(prompt.size());
  for (int i = 0; i < n_gen; ++i) {
    if (eos >= 0) lc[size_t(eos)] = lg[size_t(eos)] = -INFINITY;
    const int32_t tc = argmax(lc), tg = argmax(lg);
    if (tc != tg) {
      const double gap = std::fabs(double(lc[size_t(tc)]) - lc[size_t(tg)]);
      std::printf("%s: token %d differs (cpu %d, gpu %d) at a CPU logit gap of %.4f\n", what.c_str(), i, tc, tg, gap);
      EXPECT_LT(gap, kNearTie) << what << ": token " << i << " differs away from a near-tie";
      return i;
    }
    std::vector<int32_t> one{tc};
    for (Backend* b : {static_cast<Backend*>(p.cpu.get()), static_cast<Backend*>(p.gpu.get())}) {
      ForwardBatch d;
      d.slices.push_back({one, pos, tb, true});
      b->forward(d, b == p.cpu.get() ? std::span<float>(lc) : std::span<float>(lg));
    }
    ++pos;
  }
  return n_gen;
}

class CudaTinyModel : public ::testing::TestWithParam<const char*> {};

TEST_P(CudaTinyModel, LogitsAndGreedyPathsMatchTheCpuExactPath) {
  SKIP_WITHOUT_GPU();
  const std::string dir = std::string(RAYCTL_TEST_DATA) + "/fixtures/inference/tiny/" + GetParam();
  const nlohmann::json golden = read_json(dir + ".golden.json");
  Pair p = open_pair(dir);
  const int vocab = p.cpu->shape().vocab_size;
  double worst = 0;
  std::vector<std::vector<int32_t>> prompts;
  for (const auto& c : golden["cases"]) prompts.push_back(c["prompt_ids"].get<std::vector<int32_t>>());
  for (size_t i = 0; i < prompts.size(); ++i) {
    const auto tb = table(0, kBlocks, false);
    const auto want = prefill(*p.cpu, prompts[i], 0, tb);
    for (int chunk : {0, 16}) {
      const double d = max_diff(prefill(*p.gpu, prompts[i], chunk, tb), want);
      worst = std::max(worst, d);
      EXPECT_LE(d, kTinyTol) << GetParam() << " prompt " << i << " chunk " << chunk;
    }
  }
  // Every prompt in one step, each in its own scattered blocks.
  ForwardBatch all;
  std::vector<std::vector<int32_t>> tables;
  for (size_t i = 0; i < prompts.size(); ++i) tables.push_back(table(int(i) * 16, 16, true));
  for (size_t i = 0; i < prompts.size(); ++i) all.slices.push_back({prompts[i], 0, tables[i], true});
  std::vector<float> lc(prompts.size() * size_t(vocab)), lg(lc.size());
  p.cpu->forward(all, lc);
  p.gpu->forward(all, lg);
  const double batched = max_diff(lg, lc);
  EXPECT_LE(batched, kTinyTol) << GetParam() << ": all prompts in one step";
  std::printf("%s: worst |gpu - cpu exact| %.2e per prompt, %.2e batched\n", GetParam(), worst, batched);
  const int32_t eos = golden["meta"]["eos_token_id"].get<int32_t>();
  for (size_t i = 0; i < prompts.size(); ++i)
    greedy_compare(p, prompts[i], 64, eos, std::string(GetParam()) + " prompt " + std::to_string(i));
}

INSTANTIATE_TEST_SUITE_P(Tiny, CudaTinyModel,
                         ::testing::Values("tiny-llama-f32", "tiny-llama-f16-llama3", "tiny-qwen2-bf16"));

TEST(CudaSmolLM2, Q4_1LogitsAndA128TokenGreedyPathMatchTheCpu) {
  SKIP_WITHOUT_GPU();
  const std::string path = cached_model();
  if (path.empty()) GTEST_SKIP() << "SmolLM2 not cached (scripts/fetch-model.sh)";
  const nlohmann::json golden =
      read_json(std::string(RAYCTL_TEST_DATA) + "/fixtures/inference/golden/smollm2_q4_1.json");
  Pair p = open_pair(path);
  std::printf("device: %s\n", p.gpu->device_name().c_str());
  int prompts = 0, full = 0;
  for (const auto& c : golden["cases"]) {
    const auto ids = c["prompt_ids"].get<std::vector<int32_t>>();
    const auto tb = table(0, kBlocks, false);
    const double d = max_diff(prefill(*p.gpu, ids, 0, tb), prefill(*p.cpu, ids, 0, tb));
    EXPECT_LE(d, kSmolTol) << "prompt " << prompts;
    std::printf("prompt %d: max |gpu - cpu exact| over the vocabulary %.4f\n", prompts, d);
    const int same = greedy_compare(p, ids, 128, -1, "prompt " + std::to_string(prompts));
    std::printf("prompt %d: %d of 128 greedy tokens identical\n", prompts, same);
    full += same == 128;
    ++prompts;
  }
  EXPECT_GE(prompts, 8);
  // Random weights (RAYCTL_CUDA_TEST_MODEL) give nearly flat logits, where near-ties are common:
  // there only the near-tie rule above applies.
  if (!std::getenv("RAYCTL_CUDA_TEST_MODEL")) {
    EXPECT_GE(full, prompts - 1) << "more than one prompt diverged at a near-tie";
  }
}

TEST(CudaBackendErrors, AGpuIndexBeyondTheVisibleOnesIsAUsageError) {
  SKIP_WITHOUT_GPU();
  const std::string dir = std::string(RAYCTL_TEST_DATA) + "/fixtures/inference/tiny/tiny-llama-f32";
  auto file = ModelFile::open(dir);
  CudaBackendOptions o;
  o.gpu = 4096;
  try {
    CudaBackend be(*file, o);
    FAIL() << "--gpu 4096 was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    EXPECT_NE(std::string(e.what()).find("--gpu 4096"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace rayctl::inference

#else

TEST(CudaBackend, NeedsACudaBuild) { GTEST_SKIP() << "this build has no CUDA backend (RAYCTL_CUDA=OFF or no nvcc)"; }

#endif
