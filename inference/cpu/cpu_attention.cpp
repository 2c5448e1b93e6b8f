// CpuBackend's KV cache and attention: storing the step's keys and values in their blocks, and
// grouped-query attention over them (see cpu_backend.h). The layer pass is in cpu_backend.cpp.
#include "inference/cpu/cpu_backend.h"
#include "inference/cpu/cpu_backend_scratch.h"
#include "inference/kernels/cpu_vector_inline.h"
#include "inference/kernels/cpu_vector_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace rayctl::inference {

// Offset of (block, layer, K or V, KV head, slot) in the KV storage, in elements: head_dim
// values. A block holds each head's positions side by side, so attention, which walks one
// head's positions, reads memory in order (with the heads interleaved per position it read
// head_dim of every kv_dim values, and a long context's decode was bound by those misses).
static size_t kv_offset(const KvCacheGeometry& g, int n_layers, int n_kv_heads, int head_dim, int32_t block, int layer,
                        int which, int head, int slot) {
  return ((((static_cast<size_t>(block) * n_layers + layer) * 2 + which) * n_kv_heads + head) * g.block_size + slot) *
         static_cast<size_t>(head_dim);
}

void CpuBackend::store_kv(int layer, const float* k, const float* v, int32_t pos, std::span<const int32_t> table) {
  const int hd = cfg_.head_dim;
  const int32_t block = table[static_cast<size_t>(pos / kv_geo_.block_size)];
  const int slot = pos % kv_geo_.block_size;
  for (int h = 0; h < cfg_.n_head_kv; ++h) {
    const size_t ko = kv_offset(kv_geo_, cfg_.n_layer, cfg_.n_head_kv, hd, block, layer, 0, h, slot);
    const size_t vo = kv_offset(kv_geo_, cfg_.n_layer, cfg_.n_head_kv, hd, block, layer, 1, h, slot);
    if (!kv32_.empty()) {
      std::memcpy(kv32_.data() + ko, k + h * hd, sizeof(float) * size_t(hd));
      std::memcpy(kv32_.data() + vo, v + h * hd, sizeof(float) * size_t(hd));
    } else {
      to_f16(k + h * hd, kv16_.data() + ko, hd);
      to_f16(v + h * hd, kv16_.data() + vo, hd);
    }
  }
}

// A block's data for every layer is contiguous (kv_offset is block-major).
void CpuBackend::copy_kv_block(int32_t src, int32_t dst) {
  const size_t per_block = kv_offset(kv_geo_, cfg_.n_layer, cfg_.n_head_kv, cfg_.head_dim, 1, 0, 0, 0, 0);
  if (!kv32_.empty()) {
    std::copy_n(kv32_.begin() + static_cast<ptrdiff_t>(per_block * size_t(src)), per_block,
                kv32_.begin() + static_cast<ptrdiff_t>(per_block * size_t(dst)));
  } else {
    std::copy_n(kv16_.begin() + static_cast<ptrdiff_t>(per_block * size_t(src)), per_block,
                kv16_.begin() + static_cast<ptrdiff_t>(per_block * size_t(dst)));
  }
}

// One layer's attention for the step, as attention() cut it into tasks.
struct CpuBackend::AttentionStep {
  int layer;
  const ForwardBatch& batch;
  int hd, group, qd, n_kv;
  float scale;
  bool f32;            // the KV cache holds f32 (Exact), else f16
  int n_split;         // slices of positions per (token, KV head)
  int64_t base_tasks;  // tokens × KV heads
  size_t part_stride;  // floats per partial result: max, sum, hd outputs
};

// Grouped-query attention: one task per (token, KV head, slice of positions) serves the query
// heads of its group, so each cached K/V vector is loaded (and converted from f16) once per
// group. Scores over positions 0..pos (causal; the step's own keys were stored before this
// runs). A decode step has only n_kv_heads tasks per token, too few to keep the threads busy
// over a long context, so its positions are split into slices whose partial softmax results
// (running max, sum, unnormalised output) are merged afterwards — flash-decoding.
void CpuBackend::attention(int layer, const ForwardBatch& batch) {
  auto& s = *s_;
  const int hd = cfg_.head_dim;
  int max_pos = 0;
  for (const auto& tr : tokens_) max_pos = std::max(max_pos, tr.pos + 1);
  const int64_t base_tasks = static_cast<int64_t>(tokens_.size()) * cfg_.n_head_kv;
  int n_split = 1;
  if (base_tasks < 4LL * pool_.size() && max_pos >= 2 * kMinAttentionSlice)
    n_split = static_cast<int>(
        std::min<int64_t>({max_pos / kMinAttentionSlice, 8, (8LL * pool_.size() + base_tasks - 1) / base_tasks}));
  const AttentionStep st{layer,
                         batch,
                         hd,
                         cfg_.n_q_heads_per_kv(),
                         cfg_.n_head * hd,
                         cfg_.n_head_kv,
                         1.0f / std::sqrt(static_cast<float>(hd)),
                         !kv32_.empty(),
                         n_split,
                         base_tasks,
                         static_cast<size_t>(hd) + 2};
  // Partial results, per (token, KV head, slice, head of the group): max, sum, hd outputs.
  if (n_split > 1) s.partial.resize(static_cast<size_t>(base_tasks) * n_split * st.group * st.part_stride);
  pool_.parallel_for(base_tasks * n_split, [&](int64_t task, int thread) { attend_slice(st, task, thread); });
  if (n_split > 1) merge_attention_slices(st);
}

// One task: token t, KV head g, slice `part` of its positions. Scores of the group's query heads
// against the slice's keys, softmax, then the weighted sum of the values (normalised when the
// slice is all of the positions, else left with its max and sum for the merge).
void CpuBackend::attend_slice(const AttentionStep& st, int64_t task, int thread) {
  auto& s = *s_;
  const int hd = st.hd, group = st.group, qd = st.qd, n_kv = st.n_kv, n_split = st.n_split, layer = st.layer;
  const float scale = st.scale;
  const bool f32 = st.f32;
  const size_t part_stride = st.part_stride;
  const ForwardBatch& batch = st.batch;
  const int part = static_cast<int>(task % n_split);
  const size_t t = static_cast<size_t>(task / n_split / n_kv);
  const int g = static_cast<int>(task / n_split % n_kv);
  const TokenRef& tr = tokens_[t];
  const auto table = batch.slices[static_cast<size_t>(tr.slice)].block_table;
  const int n_pos = tr.pos + 1;
  const int p0 = static_cast<int>(int64_t(n_pos) * part / n_split),
            p1 = static_cast<int>(int64_t(n_pos) * (part + 1) / n_split);
  const int len = p1 - p0;
  // Per thread: group × len scores, then one converted K/V row.
  float* sc = s.scores[static_cast<size_t>(thread)].data();
  float* row = sc + static_cast<size_t>(group) * len;
  const float* q0 = s.q.data() + t * qd + static_cast<size_t>(g) * group * hd;
  auto kv_at = [&](int which, int p) {
    const int32_t block = table[static_cast<size_t>(p / kv_geo_.block_size)];
    return kv_offset(kv_geo_, cfg_.n_layer, n_kv, hd, block, layer, which, g, p % kv_geo_.block_size);
  };
  auto out_of = [&](int j) {
    return n_split == 1 ? s.attn.data() + t * qd + static_cast<size_t>(g * group + j) * hd
                        : s.partial.data() + ((static_cast<size_t>(task) * group) + j) * part_stride + 2;
  };
  // The next block's rows are fetched while this block's are used (one block of one head is
  // block_size·head_dim contiguous values; the blocks themselves lie anywhere).
  auto prefetch_block = [&](int which, int p) {
    if (p >= p1 || p % kv_geo_.block_size != 0) return;
    const char* a = f32 ? reinterpret_cast<const char*>(kv32_.data() + kv_at(which, p))
                        : reinterpret_cast<const char*>(kv16_.data() + kv_at(which, p));
    const size_t bytes = size_t(kv_geo_.block_size) * hd * (f32 ? 4 : 2);
    for (size_t o = 0; o < bytes; o += 64) __builtin_prefetch(a + o);
  };
  for (int p = p0; p < p1; ++p) {
    if (p % kv_geo_.block_size == 0 || p == p0) prefetch_block(0, p + kv_geo_.block_size - p % kv_geo_.block_size);
    const size_t off = kv_at(0, p);
    load_kv_row(f32 ? nullptr : kv16_.data() + off, f32 ? kv32_.data() + off : nullptr, row, hd);
    for (int j = 0; j < group; ++j)
      sc[static_cast<size_t>(j) * len + (p - p0)] = dot_inline(q0 + static_cast<size_t>(j) * hd, row, hd) * scale;
  }
  for (int j = 0; j < group; ++j) {
    float* scj = sc + static_cast<size_t>(j) * len;
    float mx = -INFINITY;
    for (int i = 0; i < len; ++i) mx = std::max(mx, scj[i]);
    double sum = 0;
    for (int i = 0; i < len; ++i) {
      scj[i] = std::exp(scj[i] - mx);
      sum += scj[i];
    }
    if (n_split == 1) {  // normalise now; the output is final
      const float inv = static_cast<float>(1.0 / sum);
      for (int i = 0; i < len; ++i) scj[i] *= inv;
    } else {
      float* head = out_of(j) - 2;
      head[0] = len > 0 ? mx : -INFINITY;
      head[1] = static_cast<float>(sum);
    }
    std::fill(out_of(j), out_of(j) + hd, 0.0f);
  }
  for (int p = p0; p < p1; ++p) {
    if (p % kv_geo_.block_size == 0 || p == p0) prefetch_block(1, p + kv_geo_.block_size - p % kv_geo_.block_size);
    const size_t off = kv_at(1, p);
    load_kv_row(f32 ? nullptr : kv16_.data() + off, f32 ? kv32_.data() + off : nullptr, row, hd);
    for (int j = 0; j < group; ++j) axpy_inline(sc[static_cast<size_t>(j) * len + (p - p0)], row, out_of(j), hd);
  }
}

// Merges the slices: out = Σ e^(m_i − M)·o_i / Σ e^(m_i − M)·l_i.
void CpuBackend::merge_attention_slices(const AttentionStep& st) {
  auto& s = *s_;
  const int hd = st.hd, group = st.group, qd = st.qd, n_kv = st.n_kv, n_split = st.n_split;
  const int64_t base_tasks = st.base_tasks;
  const size_t part_stride = st.part_stride;
  for (int64_t b = 0; b < base_tasks; ++b) {
    const size_t t = static_cast<size_t>(b / n_kv);
    const int g = static_cast<int>(b % n_kv);
    for (int j = 0; j < group; ++j) {
      auto part_of = [&](int part) {
        return s.partial.data() + ((static_cast<size_t>(b * n_split + part) * group) + j) * part_stride;
      };
      float m = -INFINITY;
      for (int part = 0; part < n_split; ++part) m = std::max(m, part_of(part)[0]);
      float* out = s.attn.data() + t * qd + static_cast<size_t>(g * group + j) * hd;
      std::fill(out, out + hd, 0.0f);
      double total = 0;
      for (int part = 0; part < n_split; ++part) {
        const float* pr = part_of(part);
        if (pr[0] == -INFINITY) continue;  // an empty slice
        const float w = std::exp(pr[0] - m);
        total += double(w) * pr[1];
        axpy_inline(w, pr + 2, out, hd);
      }
      const float inv = static_cast<float>(1.0 / total);
      for (int i = 0; i < hd; ++i) out[i] *= inv;
    }
  }
}

}  // namespace rayctl::inference
