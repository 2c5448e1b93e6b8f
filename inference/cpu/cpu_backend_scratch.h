// CpuBackend::Scratch: the backend's working buffers, shared by its translation units
// (cpu_backend.cpp: the layer pass; cpu_attention.cpp: the KV cache and attention). Internal to
// the cpu folder.
#pragma once

#include "inference/cpu/cpu_backend.h"

#include <cstdint>
#include <vector>

namespace rayctl::inference {

// Everything sized by the model (norm weights, biases) or by the step (activations), kept
// between steps so that a decode step allocates nothing.
struct CpuBackend::Scratch {
  std::vector<std::vector<float>> attn_norm, ffn_norm, bq, bk, bv;
  std::vector<float> out_norm;
  std::vector<float> x, xn, q, k, v, attn, tmp, gate, up, logit_in;
  std::vector<BlockQ8Act> xq;
  std::vector<Q8Outlier> xo;  // per token: the values taken out of xq (kQ8MaxOutliersPerBlock room per block)
  std::vector<int32_t> xo_count;
  int64_t xo_stride = 0;
  std::vector<std::vector<float>> scores;  // per thread: attention scores over positions
  std::vector<float> partial;              // split attention's per-slice results (attention())
  std::vector<std::vector<float>> rowbuf;  // per thread: one dequantized weight row (Exact)
  int capacity = 0;
};

}  // namespace rayctl::inference
