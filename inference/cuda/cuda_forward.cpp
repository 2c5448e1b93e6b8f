// CudaBackend::forward (cuda_backend.h): one engine step on the GPU. Mirrors CpuBackend's layer
// pass (cpu_backend.cpp) step for step, so the CPU backend stays the reference for every value.
#include "core/error.h"
#include "inference/cuda/cuda_backend.h"
#include "inference/cuda/cuda_backend_impl.h"

#include <algorithm>

namespace rayctl::inference {

void CudaBackend::Impl::reserve(int n_tok, int n_logits) {
  if (n_tok > capacity) {
    const size_t n = static_cast<size_t>(n_tok), f = sizeof(float);
    const size_t d = static_cast<size_t>(cfg.n_embd), qd = static_cast<size_t>(cfg.n_head) * cfg.head_dim,
                 kvd = static_cast<size_t>(cfg.n_head_kv) * cfg.head_dim, ff = static_cast<size_t>(cfg.n_ff);
    x = cu::DeviceBuffer(n * d * f);
    xn = cu::DeviceBuffer(n * d * f);
    tmp = cu::DeviceBuffer(n * d * f);
    q = cu::DeviceBuffer(n * qd * f);
    attn = cu::DeviceBuffer(n * qd * f);
    k = cu::DeviceBuffer(n * kvd * f);
    v = cu::DeviceBuffer(n * kvd * f);
    gate = cu::DeviceBuffer(n * ff * f);
    up = cu::DeviceBuffer(n * ff * f);
    capacity = n_tok;
  }
  if (n_logits > logit_capacity) {
    logit_in = cu::DeviceBuffer(static_cast<size_t>(n_logits) * cfg.n_embd * sizeof(float));
    logits = cu::DeviceBuffer(static_cast<size_t>(n_logits) * cfg.n_vocab * sizeof(float));
    logit_capacity = n_logits;
  }
}

void CudaBackend::Impl::run_layer(int l, int n_tok, const cu::StepTokens& st, const cu::KvCache& cache) {
  const Layer& L = layers[static_cast<size_t>(l)];
  const cudaStream_t s = stream.get();
  const int d = cfg.n_embd, qd = cfg.n_head * cfg.head_dim, kvd = cfg.n_head_kv * cfg.head_dim;
  const cu::RopeArgs rope{rope_cos, rope_sin, rope_half, cfg.rope_layout == RopeLayout::AdjacentPairs};
  cu::rms_norm(x.as<float>(), nullptr, L.attn_norm, xn.as<float>(), n_tok, d, cfg.rms_eps, s);
  cu::matmul(L.wq, xn.as<float>(), n_tok, q.as<float>(), s);
  cu::matmul(L.wk, xn.as<float>(), n_tok, k.as<float>(), s);
  cu::matmul(L.wv, xn.as<float>(), n_tok, v.as<float>(), s);
  if (L.bq) cu::add_bias(q.as<float>(), L.bq, n_tok, qd, s);
  if (L.bk) cu::add_bias(k.as<float>(), L.bk, n_tok, kvd, s);
  if (L.bv) cu::add_bias(v.as<float>(), L.bv, n_tok, kvd, s);
  cu::rope(q.as<float>(), cfg.n_head, cfg.head_dim, rope, st.pos, n_tok, s);
  cu::rope(k.as<float>(), cfg.n_head_kv, cfg.head_dim, rope, st.pos, n_tok, s);
  cu::store_kv(cache, l, k.as<float>(), v.as<float>(), st, s);
  cu::attention(cache, l, q.as<float>(), attn.as<float>(), cfg.n_head, st, s);
  cu::matmul(L.wo, attn.as<float>(), n_tok, tmp.as<float>(), s);
  cu::add_into(x.as<float>(), tmp.as<float>(), static_cast<size_t>(n_tok) * d, s);
  cu::rms_norm(x.as<float>(), nullptr, L.ffn_norm, xn.as<float>(), n_tok, d, cfg.rms_eps, s);
  cu::matmul(L.gate, xn.as<float>(), n_tok, gate.as<float>(), s);
  cu::matmul(L.up, xn.as<float>(), n_tok, up.as<float>(), s);
  cu::swiglu(gate.as<float>(), up.as<float>(), static_cast<size_t>(n_tok) * cfg.n_ff, s);
  cu::matmul(L.down, gate.as<float>(), n_tok, tmp.as<float>(), s);
  cu::add_into(x.as<float>(), tmp.as<float>(), static_cast<size_t>(n_tok) * d, s);
}

// The step's int32 metadata, packed for one host→device copy: token ids, positions, where each
// token's block table starts, the tokens whose logits are wanted, then the block tables.
struct StepMeta {
  int n_tok = 0, n_logits = 0;
  size_t ids = 0, pos = 0, table_at = 0, logit_rows = 0, tables = 0;
};

static StepMeta pack_step(const ForwardBatch& batch, const KvCacheGeometry& geo, int positions, int vocab,
                          std::vector<int32_t>& out) {
  StepMeta m;
  m.n_tok = batch.total_tokens();
  m.n_logits = batch.logit_rows();
  const size_t n = static_cast<size_t>(m.n_tok);
  m.ids = 0, m.pos = n, m.table_at = 2 * n, m.logit_rows = 3 * n, m.tables = 3 * n + static_cast<size_t>(m.n_logits);
  out.assign(m.tables, 0);
  size_t t = 0;
  int logit = 0;
  for (const auto& sl : batch.slices) {
    if (sl.pos0 + static_cast<int64_t>(sl.tokens.size()) > positions)
      throw Error(ErrorKind::Internal, "CudaBackend::forward: position beyond the configured context");
    if (static_cast<int64_t>(sl.block_table.size()) * geo.block_size < sl.pos0 + static_cast<int64_t>(sl.tokens.size()))
      throw Error(ErrorKind::Internal, "CudaBackend::forward: block table does not cover the slice");
    for (int32_t b : sl.block_table)
      if (b < 0 || b >= geo.num_blocks) throw Error(ErrorKind::Internal, "CudaBackend: KV block out of range");
    const int32_t table_at = static_cast<int32_t>(out.size() - m.tables);
    for (size_t i = 0; i < sl.tokens.size(); ++i, ++t) {
      if (sl.tokens[i] < 0 || sl.tokens[i] >= vocab)
        throw Error(ErrorKind::Internal, "CudaBackend: token id out of range");
      out[m.ids + t] = sl.tokens[i];
      out[m.pos + t] = sl.pos0 + static_cast<int32_t>(i);
      out[m.table_at + t] = table_at;
    }
    for (int r = sl.logit_rows(); r > 0; --r)
      out[m.logit_rows + static_cast<size_t>(logit++)] = static_cast<int32_t>(t - r);
    out.insert(out.end(), sl.block_table.begin(), sl.block_table.end());
  }
  return m;
}

void CudaBackend::forward(const ForwardBatch& batch, std::span<float> logits) {
  auto& m = *impl_;
  if (batch.total_tokens() == 0) return;
  if (!m.kv.get()) throw Error(ErrorKind::Internal, "CudaBackend::forward before allocate_kv");
  if (logits.size() < static_cast<size_t>(batch.logit_rows()) * m.cfg.n_vocab)
    throw Error(ErrorKind::Internal, "CudaBackend::forward: logits buffer too small");
  cu::check(cudaSetDevice(m.device), "select the device");  // the engine steps on its own thread
  const StepMeta meta = pack_step(batch, m.kv_geo, m.rope_positions, m.cfg.n_vocab, m.host_meta);
  m.reserve(meta.n_tok, meta.n_logits);
  const size_t meta_bytes = m.host_meta.size() * sizeof(int32_t);
  if (m.meta.bytes() < meta_bytes) m.meta = cu::DeviceBuffer(std::max(meta_bytes, size_t(4096)));
  const cudaStream_t s = m.stream.get();
  cu::check(cudaMemcpyAsync(m.meta.get(), m.host_meta.data(), meta_bytes, cudaMemcpyHostToDevice, s), "copy a step");
  const int32_t* dm = m.meta.as<int32_t>();
  const cu::StepTokens st{dm + meta.pos, dm + meta.table_at, dm + meta.tables, meta.n_tok};
  const cu::KvCache cache{m.kv.as<uint16_t>(), m.cfg.n_layer, m.cfg.n_head_kv, m.cfg.head_dim, m.kv_geo.block_size};
  cu::embed_rows(m.token_embd, dm + meta.ids, meta.n_tok, m.x.as<float>(), s);
  for (int l = 0; l < m.cfg.n_layer; ++l) m.run_layer(l, meta.n_tok, st, cache);
  if (meta.n_logits > 0) {
    cu::rms_norm(m.x.as<float>(), dm + meta.logit_rows, m.out_norm, m.logit_in.as<float>(), meta.n_logits, m.cfg.n_embd,
                 m.cfg.rms_eps, s);
    cu::matmul(m.output, m.logit_in.as<float>(), meta.n_logits, m.logits.as<float>(), s);
    cu::check(
        cudaMemcpyAsync(logits.data(), m.logits.get(),
                        static_cast<size_t>(meta.n_logits) * m.cfg.n_vocab * sizeof(float), cudaMemcpyDeviceToHost, s),
        "copy logits");
  }
  cu::check(cudaStreamSynchronize(s), "run a step");
}

}  // namespace rayctl::inference
