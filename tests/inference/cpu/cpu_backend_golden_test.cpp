// CpuBackend against Hugging Face transformers on the real SmolLM2-135M-Instruct Q4_1 GGUF.
// Golden data: tests/fixtures/inference/golden/smollm2_q4_1.json, recorded by
// scripts/inference-golden/make_goldens.py (HF on the same weights dequantized to f32).
// Tolerances (documented in bench/README.md and the script):
//  - Exact precision (f32 activations, f32 KV): |logit − HF| ≤ 0.02 on the 64 top logits,
//    greedy 64-token generations identical.
//  - Fast precision (Q8 activations with outliers kept in f32, f16 KV, the serving default):
//    |logit − HF| ≤ 0.75 on the 64 top logits of every prompt and ≤ 0.4 averaged over the
//    prompts' worst; the top-1 token is HF's, or (at most twice) a near-tie whose HF logit is
//    within 0.25 of HF's top-1 (prompt 1's two best differ by 0.08). The error is Q8 rounding
//    noise, and which way each value rounds changes with the kernels' float summation order:
//    per-prompt worst 0.15–0.44 with the per-row kernels, 0.13–0.55 with the packed ones (mean
//    0.28 and 0.31); 1.31 before outliers were kept out of their blocks.
// Needs the model in the cache (scripts/fetch-model.sh); skipped with a message otherwise.
#include "inference/cpu/cpu_backend.h"
#include "inference/engine/sampler.h"
#include "inference/model/model_config.h"
#include "tests/inference/support/cached_model.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>

namespace rayctl::inference {

namespace {

constexpr double kNearTie = 0.25;

const std::string kGoldenFile = std::string(RAYCTL_TEST_DATA) + "/fixtures/inference/golden/smollm2_q4_1.json";

nlohmann::json goldens() {
  std::ifstream f(kGoldenFile);
  return nlohmann::json::parse(f);
}

// Runs one sequence through the backend: prompt, then greedy steps with EOS masked (as HF's
// min_new_tokens does). Returns the prompt's last logits and the generated ids.
struct Run {
  std::vector<float> prompt_logits;
  std::vector<int32_t> generated;
};

Run run_greedy(CpuBackend& be, const std::vector<int32_t>& prompt, int n_gen, int32_t eos) {
  const int vocab = be.shape().vocab_size;
  std::vector<int32_t> table(64);
  for (int i = 0; i < 64; ++i) table[static_cast<size_t>(i)] = i;
  std::vector<float> logits(static_cast<size_t>(vocab));
  ForwardBatch b;
  b.slices.push_back({prompt, 0, table, true});
  be.forward(b, logits);
  Run r;
  r.prompt_logits = logits;
  int32_t pos = static_cast<int32_t>(prompt.size());
  for (int i = 0; i < n_gen; ++i) {
    if (eos >= 0) logits[static_cast<size_t>(eos)] = -INFINITY;
    int32_t tok = argmax(logits);
    r.generated.push_back(tok);
    ForwardBatch d;
    std::vector<int32_t> one{tok};
    d.slices.push_back({one, pos++, table, true});
    be.forward(d, logits);
  }
  return r;
}

void check_model(CpuPrecision precision, double tol, double mean_tol, bool greedy_identical) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "a 64-token generation of 10 prompts is minutes under ASan; runs in the optimized build";
#endif
  std::string path = cached_smollm2_model();
  if (path.empty()) GTEST_SKIP() << "SmolLM2 GGUF not cached: run scripts/fetch-model.sh";
  if (!std::ifstream(kGoldenFile))
    GTEST_SKIP() << kGoldenFile << " not recorded yet: run scripts/inference-golden/make_goldens.py";
  auto model = ModelFile::open(path);
  CpuBackendOptions o;
  o.precision = precision;
  o.max_context = 1024;
  o.threads = 2;
  CpuBackend be(*model, o);
  be.allocate_kv({16, 64});
  auto g = goldens();
  const int32_t eos = g["meta"]["eos_token_id"].is_number() ? g["meta"]["eos_token_id"].get<int32_t>() : 2;
  int identical = 0, near_ties = 0;
  double sum_worst = 0;
  for (const auto& c : g["cases"]) {
    auto prompt = c["prompt_ids"].get<std::vector<int32_t>>();
    auto want = c["greedy_ids"].get<std::vector<int32_t>>();
    Run r = run_greedy(be, prompt, greedy_identical ? static_cast<int>(want.size()) : 1, eos);
    double worst = 0;
    for (const auto& iv : c["top_logits"]) {
      double got = r.prompt_logits[iv[0].get<size_t>()];
      worst = std::max(worst, std::fabs(got - iv[1].get<double>()));
    }
    EXPECT_LE(worst, tol) << "prompt: " << c["prompt"];
    sum_worst += worst;
    if (greedy_identical) {
      EXPECT_EQ(argmax(r.prompt_logits), c["top_logits"][0][0].get<int32_t>()) << "prompt: " << c["prompt"];
    } else {
      // Fast: the top-1 must be HF's, or a near-tie of it (HF logit within kNearTie of HF's max).
      const int32_t top = argmax(r.prompt_logits);
      const double hf_max = c["top_logits"][0][1].get<double>();
      double hf_of_top = -1e30;
      for (const auto& iv : c["top_logits"])
        if (iv[0].get<int32_t>() == top) hf_of_top = iv[1].get<double>();
      EXPECT_GE(hf_of_top, hf_max - kNearTie) << "prompt: " << c["prompt"] << " top-1 " << top;
      near_ties += top != c["top_logits"][0][0].get<int32_t>();
    }
    if (greedy_identical) {
      EXPECT_EQ(r.generated, want) << "prompt: " << c["prompt"];
      identical += r.generated == want;
    }
  }
  EXPECT_LE(sum_worst / double(g["cases"].size()), mean_tol) << "mean over the prompts of the worst logit error";
  if (greedy_identical) {
    EXPECT_GE(identical, 8);
  } else {
    EXPECT_LE(near_ties, 2) << "Fast precision picked a near-tie instead of HF's top-1 too often";
  }
}

}  // namespace

// A decode step over a long context splits its attention over slices of positions and merges
// them (flash-decoding); a prefill of the same tokens computes each token's attention whole.
// The last token's logits must agree (Exact precision: only float summation order differs).
TEST(CpuBackend, SplitDecodeAttentionMatchesWholeAttention) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "a 200-token Exact prefill is minutes under ASan; runs in the optimized build";
#endif
  std::string path = cached_smollm2_model();
  if (path.empty()) GTEST_SKIP() << "SmolLM2 GGUF not cached: run scripts/fetch-model.sh";
  auto model = ModelFile::open(path);
  CpuBackendOptions o;
  o.precision = CpuPrecision::Exact;
  o.max_context = 256;
  o.threads = 2;
  const int n = 200;  // ≥ 2 slices of CpuBackend's minimum slice length
  std::vector<int32_t> tokens(n), table(16);
  for (int i = 0; i < n; ++i) tokens[size_t(i)] = 100 + (i * 7919) % 40000;
  for (int i = 0; i < 16; ++i) table[size_t(i)] = i;
  std::vector<float> whole, split;
  {
    CpuBackend be(*model, o);
    be.allocate_kv({16, 16});
    whole.resize(size_t(be.shape().vocab_size));
    ForwardBatch b;
    b.slices.push_back({tokens, 0, table, true});
    be.forward(b, whole);
  }
  {
    CpuBackend be(*model, o);
    be.allocate_kv({16, 16});
    split.resize(size_t(be.shape().vocab_size));
    ForwardBatch prefill;
    prefill.slices.push_back({std::span<const int32_t>(tokens).first(n - 1), 0, table, false});
    be.forward(prefill, split);
    ForwardBatch decode;
    decode.slices.push_back({std::span<const int32_t>(tokens).last(1), n - 1, table, true});
    be.forward(decode, split);
  }
  double worst = 0;
  for (size_t i = 0; i < whole.size(); ++i) worst = std::max(worst, double(std::fabs(whole[i] - split[i])));
  EXPECT_LT(worst, 2e-3);
  EXPECT_EQ(argmax(whole), argmax(split));
}

TEST(CpuBackendGolden, ExactPrecisionMatchesTransformers) { check_model(CpuPrecision::Exact, 0.02, 0.02, true); }

TEST(CpuBackendGolden, FastPrecisionStaysCloseToTransformers) { check_model(CpuPrecision::Fast, 0.75, 0.4, false); }

}  // namespace rayctl::inference
