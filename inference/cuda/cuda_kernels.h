// The CUDA backend's kernels, as host functions that enqueue them on a stream (cuda_*.cu). Plain
// C++ types only, so the host side (cuda_backend.cpp) is compiled by the C++ compiler. Layouts
// follow the CPU backend: activations are row-major [token][dim] f32; the KV cache is f16 in
// blocks of (layer, K|V, KV head, slot, head_dim), see kv_offset(); a matrix is `rows` rows of
// `cols` values in its ggml type, row r at data + r·row_bytes (the GGUF bytes, unconverted).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace rayctl::inference::cuda {

struct DeviceMatrix {
  uint32_t type = 0;  // GgmlType
  const void* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  size_t row_bytes = 0;
};

// True for the weight types the kernels read: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q8_0, Q4_K, Q6_K.
bool matrix_type_supported(uint32_t type);

// y[t·rows + r] = row r of w · x[t·cols ...] for every token t < n_tok. Up to kGemvMaxBatch
// tokens: one warp per row reading the quantized blocks once for all tokens (the decode path,
// bandwidth-bound); more: 64×64 tiles with the weights dequantized into shared memory.
inline constexpr int kGemvMaxBatch = 8;
void matmul(const DeviceMatrix& w, const float* x, int n_tok, float* y, cudaStream_t s);

// x[t·cols ...] = row ids[t] of w, dequantized (the embedding lookup).
void embed_rows(const DeviceMatrix& w, const int32_t* ids, int n_tok, float* x, cudaStream_t s);

// out[i·d ...] = rms_norm(x[src_row(i)·d ...]) · w for i < n_rows; src_row(i) = rows[i], or i
// when rows is null.
void rms_norm(const float* x, const int32_t* rows, const float* w, float* out, int n_rows, int d, float eps,
              cudaStream_t s);
void add_into(float* y, const float* x, size_t n, cudaStream_t s);
void add_bias(float* y, const float* bias, int n_tok, int dim, cudaStream_t s);
void swiglu(float* gate, const float* up, size_t n, cudaStream_t s);  // gate = silu(gate)·up

// Rotates n_heads heads of head_dim values per token in place at the token's position:
// adjacent pairs (2i, 2i+1) for GGUF llama files, else halves (i, i + half).
struct RopeArgs {
  const float* cos = nullptr;  // [position][half]
  const float* sin = nullptr;
  int half = 0;
  bool adjacent = false;
};
void rope(float* v, int n_heads, int head_dim, const RopeArgs& r, const int32_t* pos, int n_tok, cudaStream_t s);

// Where a step's tokens live: token t is at position pos[t] and its sequence's block table is
// tables[table_at[t] ...].
struct StepTokens {
  const int32_t* pos = nullptr;
  const int32_t* table_at = nullptr;
  const int32_t* tables = nullptr;
  int n_tok = 0;
};
struct KvCache {
  uint16_t* data = nullptr;  // f16
  int n_layers = 0, n_kv_heads = 0, head_dim = 0, block_size = 0;
};
// Writes the step's keys and values ([t][n_kv_heads·head_dim] f32) into their slots.
void store_kv(const KvCache& kv, int layer, const float* k, const float* v, const StepTokens& st, cudaStream_t s);
// Causal grouped-query attention of every token over positions 0..pos[t] of its sequence:
// out[t][h·head_dim ...] for the n_heads query heads (q laid out the same way).
void attention(const KvCache& kv, int layer, const float* q, float* out, int n_heads, const StepTokens& st,
               cudaStream_t s);

}  // namespace rayctl::inference::cuda
