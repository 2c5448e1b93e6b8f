// CudaBackend: the Llama-family forward pass (llama, mistral, qwen2, SmolLM2) on one NVIDIA GPU,
// behind the same Backend interface as the CPU backend and with the same numerics model:
// weights uploaded once in their file types (F32/F16/BF16, Q4_0, Q4_1, Q5_0, Q8_0, Q4_K, Q6_K;
// no dequantized copy) and read by kernels that dequantize on the fly, f32 activations, the KV
// cache in f16 in the engine's blocks, RoPE from the shared table (rope_table.h) in the file's
// layout. The KV pool is sized from the GPU's memory (--gpu-memory-utilization, as vLLM).
// Built only with the CUDA toolkit (RAYCTL_HAVE_CUDA); this header needs no CUDA headers.
#pragma once

#include "inference/engine/backend.h"
#include "inference/model/model_config.h"

#include <memory>
#include <string>

namespace rayctl::inference {

struct CudaBackendOptions {
  int gpu = 0;                      // device index among the visible ones (CUDA_VISIBLE_DEVICES)
  double memory_utilization = 0.9;  // share of the GPU's memory this process may use
  int max_context = 0;              // longest position the RoPE table must cover; 0: the model's
};

class CudaBackend : public Backend {
 public:
  // Throws rayctl::Error (Usage) when no usable GPU is present, naming why.
  CudaBackend(const ModelFile& model, const CudaBackendOptions& options);
  ~CudaBackend() override;

  std::string name() const override { return "cuda"; }
  const BackendShape& shape() const override { return shape_; }
  size_t kv_bytes_per_token() const override;
  size_t kv_pool_bytes() const override;
  void allocate_kv(const KvCacheGeometry& geometry) override;
  void forward(const ForwardBatch& batch, std::span<float> logits) override;
  void copy_kv_block(int32_t src, int32_t dst) override;

  std::string device_name() const;

 private:
  struct Impl;
  BackendShape shape_;
  std::unique_ptr<Impl> impl_;
};

// Empty when a CUDA device can be used; otherwise one line saying why not (no driver, no
// device, a driver older than the runtime ...), for errors and for tests that skip.
std::string cuda_unavailable_reason();

}  // namespace rayctl::inference
