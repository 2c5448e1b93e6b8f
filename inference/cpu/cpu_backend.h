// CpuBackend: runs a Llama-family model (llama, mistral, qwen2, SmolLM2) on the CPU, straight
// from the quantized weights of a ModelFile (no dequantized copy): RMSNorm, RoPE in the file's
// layout (adjacent pairs for GGUF llama, half-split for HF / qwen2), grouped-query attention
// over the paged KV cache, SwiGLU MLP, tied or separate LM head. A step's tokens from all
// sequences go through each weight matrix together, so every weight row is read once per step.
// It is the numerical reference for the other backends. Two precisions:
//  - Fast (default): activations quantized to Q8 for integer dot products, KV cache in f16.
//  - Exact: f32 activations against dequantized weight blocks, KV cache in f32 (tests, goldens).
#pragma once

#include "inference/cpu/thread_pool.h"
#include "inference/engine/backend.h"
#include "inference/kernels/packed_matrix.h"
#include "inference/model/model_config.h"

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

namespace rayctl::inference {

enum class CpuPrecision { Fast, Exact };

struct CpuBackendOptions {
  int threads = 0;  // 0: all online CPUs
  CpuPrecision precision = CpuPrecision::Fast;
  int max_context = 0;  // longest position the RoPE table must cover; 0: the model's context
};

class CpuBackend : public Backend {
 public:
  // `model` must outlive the backend (weights are read from its mapping).
  CpuBackend(const ModelFile& model, const CpuBackendOptions& options);
  ~CpuBackend() override;

  std::string name() const override { return "cpu"; }
  const BackendShape& shape() const override { return shape_; }
  size_t kv_bytes_per_token() const override;
  void allocate_kv(const KvCacheGeometry& geometry) override;
  void forward(const ForwardBatch& batch, std::span<float> logits) override;
  void copy_kv_block(int32_t src, int32_t dst) override;

  int threads() const { return pool_.size(); }
  CpuPrecision precision() const { return options_.precision; }

 private:
  struct Scratch;
  // Shortest slice of positions that a decode step's attention is split into.
  static constexpr int kMinAttentionSlice = 64;
  struct TokenRef {  // where one token of the step lives
    int slice;
    int32_t pos;
  };
  void embed(const ForwardBatch& batch);
  void run_layer(int layer, const ForwardBatch& batch);
  void attention(int layer, const ForwardBatch& batch);  // cpu_attention.cpp, as are the next three
  struct AttentionStep;
  void attend_slice(const AttentionStep& step, int64_t task, int thread);
  void merge_attention_slices(const AttentionStep& step);
  void project_many(std::initializer_list<std::pair<const WeightView*, float*>> outs, const float* x, int n_tok,
                    int64_t in_dim);
  void prepare_input(const float* x, int n_tok, int64_t dim);
  void apply_rope(float* v, int n_heads, int32_t pos) const;
  void store_kv(int layer, const float* k, const float* v, int32_t pos, std::span<const int32_t> table);
  void compute_logits(const ForwardBatch& batch, std::span<float> logits);

  const ModelConfig& cfg_;
  const ModelWeights& w_;
  CpuBackendOptions options_;
  BackendShape shape_;
  ThreadPool pool_;
  KvCacheGeometry kv_geo_;
  std::vector<uint16_t> kv16_;              // Fast: f16 KV
  std::vector<float> kv32_;                 // Exact: f32 KV
  std::vector<float> rope_cos_, rope_sin_;  // [max_context][rope_dim/2]
  int rope_positions_ = 0;
  // Fast precision on a CPU with the tiled kernels: Q4_1/Q8_0 matrices repacked eight rows at a
  // time (packed_matrix.h), keyed by the weight they were made from (whose mapping stays the
  // source for embeddings and for the outliers' single elements).
  std::unordered_map<const WeightView*, PackedMatrix> packed_;
  std::vector<TokenRef> tokens_;
  std::unique_ptr<Scratch> s_;
};

}  // namespace rayctl::inference
