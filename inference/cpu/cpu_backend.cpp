// CpuBackend: the Llama-family forward pass on the CPU (see cpu_backend.h): loading, the layer
// pass and the logits. The KV cache and attention are in cpu_attention.cpp.
#include "inference/cpu/cpu_backend.h"
#include "inference/cpu/cpu_backend_scratch.h"

#include "core/error.h"
#include "inference/engine/backend_shape.h"
#include "inference/kernels/cpu_vector_inline.h"
#include "inference/kernels/cpu_vector_ops.h"
#include "inference/kernels/quant_matmul_isa.h"
#include "inference/model/rope_table.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

namespace rayctl::inference {

namespace {

std::vector<float> to_floats(const WeightView& w) {
  std::vector<float> out(static_cast<size_t>(w.row_len() * std::max<int64_t>(1, w.n_rows())));
  dequantize_row(w.type, w.data, out.data(), static_cast<int64_t>(out.size()));
  return out;
}

int default_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace

CpuBackend::CpuBackend(const ModelFile& model, const CpuBackendOptions& options)
    : cfg_(model.config()),
      w_(model.weights()),
      options_(options),
      pool_(options.threads > 0 ? options.threads : default_threads()),
      s_(std::make_unique<Scratch>()) {
  shape_ = backend_shape_of(model);

  for (const auto& l : w_.layers) {
    s_->attn_norm.push_back(to_floats(l.attn_norm));
    s_->ffn_norm.push_back(to_floats(l.ffn_norm));
    s_->bq.push_back(l.bq ? to_floats(*l.bq) : std::vector<float>{});
    s_->bk.push_back(l.bk ? to_floats(*l.bk) : std::vector<float>{});
    s_->bv.push_back(l.bv ? to_floats(*l.bv) : std::vector<float>{});
  }
  s_->out_norm = to_floats(w_.output_norm);
  if (options.precision == CpuPrecision::Fast && quant_kernel_family() != QuantKernelIsa::RowDots) {
    auto pack = [&](const WeightView& w) {
      if (PackedMatrix::supports(w) && !packed_.count(&w)) packed_.emplace(&w, PackedMatrix(w));
    };
    for (const auto& l : w_.layers)
      for (const WeightView* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) pack(*w);
    pack(w_.output);
  }

  // RoPE table: cos/sin of pos·freq_i for every position the engine may use.
  rope_positions_ = options.max_context > 0 ? options.max_context : cfg_.n_ctx_train;
  RopeTable rope = make_rope_table(cfg_, w_, rope_positions_);
  rope_cos_ = std::move(rope.cos);
  rope_sin_ = std::move(rope.sin);
  int in_max = std::max(cfg_.n_embd, cfg_.n_ff);
  in_max = std::max(in_max, cfg_.n_head * cfg_.head_dim);
  // Per thread: a group's scores over every position, and one K/V row.
  s_->scores.assign(static_cast<size_t>(pool_.size()),
                    std::vector<float>(static_cast<size_t>(cfg_.n_q_heads_per_kv()) * rope_positions_ + cfg_.head_dim));
  s_->rowbuf.assign(static_cast<size_t>(pool_.size()), std::vector<float>(static_cast<size_t>(in_max)));
}

CpuBackend::~CpuBackend() = default;

size_t CpuBackend::kv_bytes_per_token() const {
  size_t elems = 2ull * cfg_.n_layer * cfg_.n_head_kv * cfg_.head_dim;
  return elems * (options_.precision == CpuPrecision::Exact ? 4 : 2);
}

void CpuBackend::allocate_kv(const KvCacheGeometry& geometry) {
  kv_geo_ = geometry;
  size_t elems = static_cast<size_t>(geometry.num_blocks) * geometry.block_size * 2ull * cfg_.n_layer * cfg_.n_head_kv *
                 cfg_.head_dim;
  if (options_.precision == CpuPrecision::Exact) {
    kv16_.clear();
    kv32_.assign(elems, 0.0f);
  } else {
    kv32_.clear();
    kv16_.assign(elems, 0);
  }
}

void CpuBackend::forward(const ForwardBatch& batch, std::span<float> logits) {
  const int n_tok = batch.total_tokens();
  if (n_tok == 0) return;
  if (kv16_.empty() && kv32_.empty()) throw Error(ErrorKind::Internal, "CpuBackend::forward before allocate_kv");
  if (logits.size() < static_cast<size_t>(batch.logit_rows()) * cfg_.n_vocab)
    throw Error(ErrorKind::Internal, "CpuBackend::forward: logits buffer too small");
  tokens_.clear();
  for (size_t s = 0; s < batch.slices.size(); ++s) {
    const auto& sl = batch.slices[s];
    if (sl.pos0 + static_cast<int32_t>(sl.tokens.size()) > rope_positions_)
      throw Error(ErrorKind::Internal, "CpuBackend::forward: position beyond the configured context");
    if (static_cast<int64_t>(sl.block_table.size()) * kv_geo_.block_size <
        sl.pos0 + static_cast<int64_t>(sl.tokens.size()))
      throw Error(ErrorKind::Internal, "CpuBackend::forward: block table does not cover the slice");
    for (size_t i = 0; i < sl.tokens.size(); ++i)
      tokens_.push_back({static_cast<int>(s), sl.pos0 + static_cast<int32_t>(i)});
  }
  auto& s = *s_;
  if (s.capacity < n_tok) {
    const size_t n = static_cast<size_t>(n_tok);
    const size_t qd = static_cast<size_t>(cfg_.n_head) * cfg_.head_dim,
                 kvd = static_cast<size_t>(cfg_.n_head_kv) * cfg_.head_dim;
    s.x.resize(n * cfg_.n_embd);
    s.xn.resize(n * cfg_.n_embd);
    s.tmp.resize(n * cfg_.n_embd);
    s.q.resize(n * qd);
    s.attn.resize(n * qd);
    s.k.resize(n * kvd);
    s.v.resize(n * kvd);
    s.gate.resize(n * cfg_.n_ff);
    s.up.resize(n * cfg_.n_ff);
    size_t in_max = std::max<size_t>({static_cast<size_t>(cfg_.n_embd), static_cast<size_t>(cfg_.n_ff), qd});
    s.xq.resize(n * (in_max / kQ8ActBlock + 1));
    s.xo_stride = static_cast<int64_t>(in_max / kQ8ActBlock + 1) * kQ8MaxOutliersPerBlock;
    s.xo.resize(n * static_cast<size_t>(s.xo_stride));
    s.xo_count.resize(n);
    s.capacity = n_tok;
  }
  embed(batch);
  for (int l = 0; l < cfg_.n_layer; ++l) run_layer(l, batch);
  compute_logits(batch, logits);
}

void CpuBackend::embed(const ForwardBatch& batch) {
  size_t t = 0;
  for (const auto& sl : batch.slices) {
    for (int32_t id : sl.tokens) {
      if (id < 0 || id >= cfg_.n_vocab) throw Error(ErrorKind::Internal, "CpuBackend: token id out of range");
      dequantize_row(w_.token_embd.type, w_.token_embd.row(id), s_->x.data() + t * cfg_.n_embd, cfg_.n_embd);
      ++t;
    }
  }
}

// Quantizes the step's input rows to Q8 once, for every matrix that reads them.
void CpuBackend::prepare_input(const float* x, int n_tok, int64_t dim) {
  if (options_.precision == CpuPrecision::Exact) return;
  const int64_t nb = dim / kQ8ActBlock;
  auto& s = *s_;
  pool_.parallel_for(n_tok, [&](int64_t t, int) {
    s.xo_count[static_cast<size_t>(t)] =
        quantize_activation_q8_outliers(x + t * dim, dim, s.xq.data() + t * nb, s.xo.data() + t * s.xo_stride);
  });
}

void CpuBackend::project_many(std::initializer_list<std::pair<const WeightView*, float*>> outs, const float* x,
                              int n_tok, int64_t in_dim) {
  prepare_input(x, n_tok, in_dim);
  struct Job {
    const WeightView* w;
    const PackedMatrix* packed;
    float* y;
    int64_t rows;
    int64_t chunk;  // rows per task
    int64_t first_task;
  };
  Job jobs[4];
  int nj = 0;
  int64_t total = 0;
  // About eight tasks per thread and matrix: enough to balance threads that run at different
  // speeds, few enough that handing tasks out (an atomic shared by the cores) stays cheap —
  // the 49152-row LM head in rows of 16 was 3072 tasks a token. Whole groups of 16 rows
  // (kPackRows divides it); at least 64 rows a task for prefill-sized batches.
  const int64_t min_chunk = n_tok >= 32 ? 64 : 16, per_thread = 8;
  for (const auto& [w, y] : outs) {
    const auto p = packed_.find(w);
    const int64_t rows = w->n_rows();
    int64_t chunk = std::max(min_chunk, rows / (per_thread * pool_.size()));
    chunk = (chunk + 15) / 16 * 16;
    jobs[nj] = {w, p == packed_.end() ? nullptr : &p->second, y, rows, chunk, total};
    total += (rows + chunk - 1) / chunk;
    ++nj;
  }
  const bool exact = options_.precision == CpuPrecision::Exact;
  const Q8Outliers outliers{s_->xo.data(), s_->xo_count.data(), s_->xo_stride};
  pool_.parallel_for(total, [&](int64_t task, int thread) {
    int j = nj - 1;
    while (jobs[j].first_task > task) --j;
    const Job& job = jobs[j];
    const int64_t r0 = (task - job.first_task) * job.chunk, r1 = std::min(job.rows, r0 + job.chunk);
    const GgmlType t = job.w->type;
    if (job.packed) {
      packed_matmul(*job.packed, r0, r1, s_->xq.data(), n_tok, job.y, job.rows, &outliers);
    } else if (!ggml_type_uses_q8_activations(t)) {
      matmul_rows(t, job.w->data, in_dim, r0, r1, x, nullptr, n_tok, job.y, job.rows);
    } else if (!exact) {
      matmul_rows(t, job.w->data, in_dim, r0, r1, nullptr, s_->xq.data(), n_tok, job.y, job.rows, &outliers);
    } else {
      float* row = s_->rowbuf[static_cast<size_t>(thread)].data();
      for (int64_t r = r0; r < r1; ++r) {
        dequantize_row(t, job.w->row(r), row, in_dim);
        for (int b = 0; b < n_tok; ++b)
          job.y[b * job.rows + r] = dot_inline(row, x + b * in_dim, static_cast<int>(in_dim));
      }
    }
  });
}

void CpuBackend::run_layer(int layer, const ForwardBatch& batch) {
  auto& s = *s_;
  const auto& lw = w_.layers[static_cast<size_t>(layer)];
  const int n_tok = static_cast<int>(tokens_.size());
  const int d = cfg_.n_embd, qd = cfg_.n_head * cfg_.head_dim, kvd = cfg_.n_head_kv * cfg_.head_dim;

  for (int t = 0; t < n_tok; ++t)
    rms_norm_row(s.x.data() + static_cast<size_t>(t) * d, s.attn_norm[layer].data(),
                 s.xn.data() + static_cast<size_t>(t) * d, d, cfg_.rms_eps);
  project_many({{&lw.wq, s.q.data()}, {&lw.wk, s.k.data()}, {&lw.wv, s.v.data()}}, s.xn.data(), n_tok, d);
  for (int t = 0; t < n_tok; ++t) {
    float* q = s.q.data() + static_cast<size_t>(t) * qd;
    float* k = s.k.data() + static_cast<size_t>(t) * kvd;
    float* v = s.v.data() + static_cast<size_t>(t) * kvd;
    if (!s.bq[layer].empty()) add_into(q, s.bq[layer].data(), qd);
    if (!s.bk[layer].empty()) add_into(k, s.bk[layer].data(), kvd);
    if (!s.bv[layer].empty()) add_into(v, s.bv[layer].data(), kvd);
    const int32_t pos = tokens_[static_cast<size_t>(t)].pos;
    apply_rope(q, cfg_.n_head, pos);
    apply_rope(k, cfg_.n_head_kv, pos);
    store_kv(layer, k, v, pos, batch.slices[static_cast<size_t>(tokens_[static_cast<size_t>(t)].slice)].block_table);
  }
  attention(layer, batch);
  project_many({{&lw.wo, s.tmp.data()}}, s.attn.data(), n_tok, qd);
  add_into(s.x.data(), s.tmp.data(), static_cast<size_t>(n_tok) * d);

  for (int t = 0; t < n_tok; ++t)
    rms_norm_row(s.x.data() + static_cast<size_t>(t) * d, s.ffn_norm[layer].data(),
                 s.xn.data() + static_cast<size_t>(t) * d, d, cfg_.rms_eps);
  project_many({{&lw.w_gate, s.gate.data()}, {&lw.w_up, s.up.data()}}, s.xn.data(), n_tok, d);
  swiglu_into(s.gate.data(), s.up.data(), static_cast<size_t>(n_tok) * cfg_.n_ff);
  project_many({{&lw.w_down, s.tmp.data()}}, s.gate.data(), n_tok, cfg_.n_ff);
  add_into(s.x.data(), s.tmp.data(), static_cast<size_t>(n_tok) * d);
}

void CpuBackend::apply_rope(float* v, int n_heads, int32_t pos) const {
  const int half = cfg_.rope_dim / 2;
  const float* cs = rope_cos_.data() + static_cast<size_t>(pos) * half;
  const float* sn = rope_sin_.data() + static_cast<size_t>(pos) * half;
  const bool adjacent = cfg_.rope_layout == RopeLayout::AdjacentPairs;
  for (int h = 0; h < n_heads; ++h) {
    float* x = v + static_cast<size_t>(h) * cfg_.head_dim;
    for (int i = 0; i < half; ++i) {
      float& a = adjacent ? x[2 * i] : x[i];
      float& b = adjacent ? x[2 * i + 1] : x[i + half];
      const float x0 = a, x1 = b;
      a = x0 * cs[i] - x1 * sn[i];
      b = x0 * sn[i] + x1 * cs[i];
    }
  }
}

void CpuBackend::compute_logits(const ForwardBatch& batch, std::span<float> logits) {
  auto& s = *s_;
  const int d = cfg_.n_embd;
  int rows = 0;
  size_t t_end = 0;
  s.logit_in.resize(static_cast<size_t>(batch.logit_rows()) * d);
  for (const auto& sl : batch.slices) {
    const size_t t_begin = t_end;
    t_end += sl.tokens.size();
    for (size_t t = sl.all_logits ? t_begin : t_end - 1; sl.logit_rows() > 0 && t < t_end; ++t) {
      rms_norm_row(s.x.data() + t * d, s.out_norm.data(), s.logit_in.data() + static_cast<size_t>(rows) * d, d,
                   cfg_.rms_eps);
      ++rows;
    }
  }
  if (rows == 0) return;
  project_many({{&w_.output, logits.data()}}, s.logit_in.data(), rows, d);
}

}  // namespace rayctl::inference
