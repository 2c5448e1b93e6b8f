// Backend: the seam between the engine (scheduler, sampler, HTTP) and the code that runs the
// model on a device. One forward() call runs one scheduler step: a batch of sequences, each
// contributing a slice of tokens (a prefill chunk or a single decode token) at known positions,
// with the KV blocks that hold its past. The backend writes their keys/values into those
// blocks and returns logits for the slices that ask for them. The CPU backend implements it
// now (and is the numerical reference); a CUDA backend plugs in behind the same interface.
// This file deliberately knows nothing about tokenizers, requests or HTTP.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace rayctl::inference {

// The model dimensions the engine needs to size its KV cache and validate requests.
struct BackendShape {
  int vocab_size = 0;
  int n_layers = 0;
  int n_kv_heads = 0;
  int head_dim = 0;
  int context_length = 0;  // the model's trained context (n_ctx_train)
  int64_t n_params = 0;    // for /v1/models meta
  int64_t weight_bytes = 0;
};

// How the KV cache is laid out: `num_blocks` blocks of `block_size` token positions each.
struct KvCacheGeometry {
  int block_size = 16;
  int num_blocks = 0;
};

// One sequence's part of a step: feed tokens[0..n) at positions pos0..pos0+n-1.
// block_table[i] is the KV block holding positions [i*block_size, (i+1)*block_size);
// it must cover every position up to pos0+n-1.
struct SequenceSlice {
  std::span<const int32_t> tokens;
  int32_t pos0 = 0;
  std::span<const int32_t> block_table;
  bool want_logits = false;  // logits for the last token of this slice
  bool all_logits = false;   // logits for every token of the slice (prompt logprobs), in order
  int logit_rows() const { return all_logits ? static_cast<int>(tokens.size()) : want_logits ? 1 : 0; }
};

struct ForwardBatch {
  std::vector<SequenceSlice> slices;
  int total_tokens() const {
    int n = 0;
    for (const auto& s : slices) n += static_cast<int>(s.tokens.size());
    return n;
  }
  int logit_rows() const {
    int n = 0;
    for (const auto& s : slices) n += s.logit_rows();
    return n;
  }
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;  // "cpu", "cuda"
  virtual const BackendShape& shape() const = 0;
  // Bytes of KV storage one token position needs across all layers (K and V).
  virtual size_t kv_bytes_per_token() const = 0;
  // How many bytes the KV pool may take on this device; 0 when the backend has no such limit
  // and the engine's default cap applies (the CUDA backend: what --gpu-memory-utilization
  // leaves after the weights and the step buffers).
  virtual size_t kv_pool_bytes() const { return 0; }
  // (Re)allocates KV storage. Called once before the first forward().
  virtual void allocate_kv(const KvCacheGeometry& geometry) = 0;
  // Copies one KV block (every layer's keys and values) onto another: the partial last block of
  // a prompt when n choices fork from it (copy-on-write).
  virtual void copy_kv_block(int32_t src, int32_t dst) = 0;
  // Runs one step. `logits` receives logit_rows() rows of vocab_size floats, in slice order
  // (a slice's rows in token order).
  virtual void forward(const ForwardBatch& batch, std::span<float> logits) = 0;
};

}  // namespace rayctl::inference
