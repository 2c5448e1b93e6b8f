// CudaBackend (cuda_backend.h): device selection, weight upload, buffers and the layer pass, on
// one CUDA stream. The kernels are in cuda_matmul.cu and cuda_layer_kernels.cu. A step copies
// its token metadata to the GPU in one transfer, runs every layer, and copies back only the
// logits rows that were asked for.
#include "inference/cuda/cuda_backend.h"

#include "core/error.h"
#include "inference/cuda/cuda_backend_impl.h"
#include "inference/engine/backend_shape.h"
#include "inference/kernels/quant_formats.h"
#include "inference/model/rope_table.h"

#include <algorithm>

namespace rayctl::inference {

CudaBackend::CudaBackend(const ModelFile& model, const CudaBackendOptions& options) {
  if (const std::string why = cuda_unavailable_reason(); !why.empty())
    throw Error(ErrorKind::Usage, "--device cuda: " + why,
                "run on a machine with an NVIDIA GPU and driver, or use --device cpu");
  const ModelConfig& cfg = model.config();
  const ModelWeights& w = model.weights();
  impl_ = std::make_unique<Impl>(cfg, options);
  auto& m = *impl_;
  m.device = cu::select_device(options.gpu);
  m.stream = cu::Stream::create();
  shape_ = backend_shape_of(model);
  m.token_embd = m.matrix(w.token_embd);
  m.output = m.matrix(w.output);
  m.out_norm = m.upload_as_floats(w.output_norm);
  for (const auto& lw : w.layers) {
    Impl::Layer L{m.matrix(lw.wq),     m.matrix(lw.wk),   m.matrix(lw.wv),    m.matrix(lw.wo),
                  m.matrix(lw.w_gate), m.matrix(lw.w_up), m.matrix(lw.w_down)};
    L.attn_norm = m.upload_as_floats(lw.attn_norm);
    L.ffn_norm = m.upload_as_floats(lw.ffn_norm);
    if (lw.bq) L.bq = m.upload_as_floats(*lw.bq);
    if (lw.bk) L.bk = m.upload_as_floats(*lw.bk);
    if (lw.bv) L.bv = m.upload_as_floats(*lw.bv);
    m.layers.push_back(L);
  }
  m.rope_positions = options.max_context > 0 ? options.max_context : cfg.n_ctx_train;
  const RopeTable rope = make_rope_table(cfg, w, m.rope_positions);
  m.rope_half = rope.half;
  m.rope_cos = m.upload_floats(rope.cos);
  m.rope_sin = m.upload_floats(rope.sin);
}

CudaBackend::~CudaBackend() = default;

std::string CudaBackend::device_name() const { return cu::device_name(impl_->device); }

size_t CudaBackend::kv_bytes_per_token() const {
  return 2ull * impl_->cfg.n_layer * impl_->cfg.n_head_kv * impl_->cfg.head_dim * 2;  // K and V, f16
}

// What --gpu-memory-utilization leaves: that share of the GPU's memory, less what is in use now
// (weights, this and other processes) and a reserve for the step buffers and logits.
size_t CudaBackend::kv_pool_bytes() const {
  cu::check(cudaSetDevice(impl_->device), "select the device");
  const cu::MemoryInfo mem = cu::memory_info();
  const double allowed = impl_->options.memory_utilization * static_cast<double>(mem.total);
  const double used = static_cast<double>(mem.total - mem.free);
  constexpr double kStepReserve = 512.0 * 1024 * 1024;
  const double left = allowed - used - kStepReserve;
  if (left < static_cast<double>(kv_bytes_per_token()) * 16)
    throw Error(ErrorKind::Invalid,
                "--gpu-memory-utilization " + std::to_string(impl_->options.memory_utilization) +
                    " leaves no room for the KV cache on " + device_name(),
                "raise --gpu-memory-utilization, or free the GPU from other processes");
  return static_cast<size_t>(left);
}

void CudaBackend::copy_kv_block(int32_t src, int32_t dst) {
  cu::check(cudaSetDevice(impl_->device), "select the device");
  const size_t per_block = static_cast<size_t>(impl_->kv_geo.block_size) * kv_bytes_per_token();
  auto* base = static_cast<uint8_t*>(impl_->kv.get());
  cu::check(
      cudaMemcpy(base + per_block * size_t(dst), base + per_block * size_t(src), per_block, cudaMemcpyDeviceToDevice),
      "copy a KV block");
}

void CudaBackend::allocate_kv(const KvCacheGeometry& geometry) {
  cu::check(cudaSetDevice(impl_->device), "select the device");
  impl_->kv_geo = geometry;
  const size_t bytes = static_cast<size_t>(geometry.num_blocks) * geometry.block_size * kv_bytes_per_token();
  impl_->kv = cu::DeviceBuffer(bytes);
  cu::check(cudaMemset(impl_->kv.get(), 0, bytes), "clear the KV cache");
}

}  // namespace rayctl::inference
