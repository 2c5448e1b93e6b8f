// CudaBackend's state (cuda_backend.h), shared by its two source files: cuda_backend.cpp (load,
// memory) and cuda_forward.cpp (the step).
#pragma once

#include "core/error.h"
#include "inference/cuda/cuda_backend.h"
#include "inference/cuda/cuda_device.h"
#include "inference/cuda/cuda_kernels.h"
#include "inference/kernels/quant_formats.h"

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace rayctl::inference {

namespace cu = rayctl::inference::cuda;

struct CudaBackend::Impl {
  struct Layer {
    cu::DeviceMatrix wq, wk, wv, wo, gate, up, down;
    const float *attn_norm = nullptr, *ffn_norm = nullptr, *bq = nullptr, *bk = nullptr, *bv = nullptr;
  };
  const ModelConfig& cfg;
  CudaBackendOptions options;
  int device = 0;
  cu::Stream stream;
  std::vector<cu::DeviceBuffer> owned;                   // every upload
  std::unordered_map<const void*, const void*> by_host;  // host bytes → device copy (tied weights)
  std::vector<Layer> layers;
  cu::DeviceMatrix token_embd, output;
  const float* out_norm = nullptr;
  const float *rope_cos = nullptr, *rope_sin = nullptr;
  int rope_positions = 0, rope_half = 0;
  KvCacheGeometry kv_geo;
  cu::DeviceBuffer kv;
  // Step buffers, grown to the largest step seen.
  int capacity = 0, logit_capacity = 0;
  cu::DeviceBuffer x, xn, tmp, q, k, v, attn, gate, up, meta, logit_in, logits;
  std::vector<int32_t> host_meta;

  Impl(const ModelConfig& c, const CudaBackendOptions& o) : cfg(c), options(o) {}

  const void* upload(const void* host, size_t bytes) {
    if (auto it = by_host.find(host); it != by_host.end()) return it->second;
    owned.emplace_back(bytes);
    cu::check(cudaMemcpy(owned.back().get(), host, bytes, cudaMemcpyHostToDevice), "upload weights");
    by_host.emplace(host, owned.back().get());
    return owned.back().get();
  }
  const float* upload_floats(const std::vector<float>& v) {
    owned.emplace_back(v.size() * sizeof(float));
    cu::check(cudaMemcpy(owned.back().get(), v.data(), v.size() * sizeof(float), cudaMemcpyHostToDevice),
              "upload weights");
    return static_cast<const float*>(owned.back().get());
  }
  const float* upload_as_floats(const WeightView& w) {
    std::vector<float> f(static_cast<size_t>(w.row_len() * std::max<int64_t>(1, w.n_rows())));
    dequantize_row(w.type, w.data, f.data(), static_cast<int64_t>(f.size()));
    return upload_floats(f);
  }
  cu::DeviceMatrix matrix(const WeightView& w) {
    if (!cu::matrix_type_supported(static_cast<uint32_t>(w.type)))
      throw Error(ErrorKind::Invalid,
                  "tensor " + w.name + ": type " + std::string(ggml_type_name(w.type)) + " is not supported on CUDA",
                  "use a GGUF file of F16, BF16, Q4_0, Q4_1, Q5_0, Q8_0, Q4_K or Q6_K, or --device cpu");
    if (w.row_len() % 32 != 0)
      throw Error(ErrorKind::Invalid,
                  "tensor " + w.name + ": rows of " + std::to_string(w.row_len()) + " values are not a multiple of 32",
                  "use --device cpu for this model");
    return {static_cast<uint32_t>(w.type), upload(w.data, w.nbytes), w.n_rows(), w.row_len(), w.row_bytes()};
  }
  void reserve(int n_tok, int n_logits);
  void run_layer(int l, int n_tok, const cu::StepTokens& st, const cu::KvCache& cache);
};

}  // namespace rayctl::inference
