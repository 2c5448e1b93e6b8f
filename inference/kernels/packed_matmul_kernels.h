// The PackedMatrix matmul kernels (layout in packed_matrix.h), written once over an `Isa` that
// supplies the u8 × s8 four-lane dot accumulated into int32 lanes, and included by one
// translation unit per instruction set (quant_matmul.cpp: AVX2; quant_matmul_avx512.cpp:
// AVX-512 VNNI). Internal linkage, as in quant_matmul_tiles.h. Needs AVX2, FMA and F16C.
#pragma once

#include "inference/kernels/packed_matrix.h"

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace rayctl::inference {
namespace {

// Four activation values as one int32, broadcast to all eight lanes (one per row).
inline __m256i bcast4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

inline __m256 half8(const uint16_t* h) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h))); }

// Rows [8g, 8g+8) for NC activation vectors; x[c] → y[c] (each already offset to the group's
// first row in y). Two int32 chains per block keep the dot's latency off the critical path.
template <class Isa, int NC>
void packed_q4_1_group(const BlockQ4_1x8* b, int64_t nb, const BlockQ8Act* const* x, float* const* y) {
  __m256 acc[NC], accm[NC];
  for (int c = 0; c < NC; ++c) acc[c] = accm[c] = _mm256_setzero_ps();
  const __m256i low = _mm256_set1_epi8(0x0F);
  for (int64_t i = 0; i < nb; ++i) {
    __m256i w[8];
    for (int p = 0; p < 4; ++p) {
      const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[i].qs + 32 * p));
      w[p] = _mm256_and_si256(v, low);
      w[p + 4] = _mm256_and_si256(_mm256_srli_epi16(v, 4), low);
    }
    const __m256 d8 = half8(b[i].d), m8 = half8(b[i].m);
    for (int c = 0; c < NC; ++c) {
      const BlockQ8Act& xa = x[c][i];
      __m256i s0 = Isa::dot(_mm256_setzero_si256(), w[0], bcast4(xa.qs));
      __m256i s1 = Isa::dot(_mm256_setzero_si256(), w[1], bcast4(xa.qs + 4));
      s0 = Isa::dot(s0, w[2], bcast4(xa.qs + 8));
      s1 = Isa::dot(s1, w[3], bcast4(xa.qs + 12));
      s0 = Isa::dot(s0, w[4], bcast4(xa.qs + 16));
      s1 = Isa::dot(s1, w[5], bcast4(xa.qs + 20));
      s0 = Isa::dot(s0, w[6], bcast4(xa.qs + 24));
      s1 = Isa::dot(s1, w[7], bcast4(xa.qs + 28));
      const __m256 s = _mm256_cvtepi32_ps(_mm256_add_epi32(s0, s1));
      acc[c] = _mm256_fmadd_ps(_mm256_mul_ps(d8, _mm256_set1_ps(xa.d)), s, acc[c]);
      accm[c] = _mm256_fmadd_ps(m8, _mm256_set1_ps(xa.sum), accm[c]);
    }
  }
  for (int c = 0; c < NC; ++c) _mm256_storeu_ps(y[c], _mm256_add_ps(acc[c], accm[c]));
}

// Q8_0: signed × signed through |w| and x with w's sign (exact, as the per-row kernels).
template <class Isa, int NC>
void packed_q8_0_group(const BlockQ8_0x8* b, int64_t nb, const BlockQ8Act* const* x, float* const* y) {
  __m256 acc[NC];
  for (int c = 0; c < NC; ++c) acc[c] = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    const __m256 d8 = half8(b[i].d);
    __m256i s0[NC], s1[NC];
    for (int c = 0; c < NC; ++c) s0[c] = s1[c] = _mm256_setzero_si256();
    for (int g = 0; g < 8; g += 2) {
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[i].qs + 32 * g));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b[i].qs + 32 * (g + 1)));
      const __m256i a0 = _mm256_sign_epi8(w0, w0), a1 = _mm256_sign_epi8(w1, w1);
      for (int c = 0; c < NC; ++c) {
        s0[c] = Isa::dot(s0[c], a0, _mm256_sign_epi8(bcast4(x[c][i].qs + 4 * g), w0));
        s1[c] = Isa::dot(s1[c], a1, _mm256_sign_epi8(bcast4(x[c][i].qs + 4 * g + 4), w1));
      }
    }
    for (int c = 0; c < NC; ++c)
      acc[c] = _mm256_fmadd_ps(_mm256_mul_ps(d8, _mm256_set1_ps(x[c][i].d)),
                               _mm256_cvtepi32_ps(_mm256_add_epi32(s0[c], s1[c])), acc[c]);
  }
  for (int c = 0; c < NC; ++c) _mm256_storeu_ps(y[c], acc[c]);
}

// Column e of eight packed rows (group block b) as eight floats: the rows' values of element e.
inline __m256 packed_column(const PackedMatrix& w, const uint8_t* group, int e) {
  const int i = e / 32, r = e % 32;
  if (w.type() == GgmlType::Q4_1) {
    const auto& b = reinterpret_cast<const BlockQ4_1x8*>(group)[i];
    const int p = (r % 16) / 4, k = r % 4, shift = 8 * k + (r >= 16 ? 4 : 0);
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * p));
    const __m256i q = _mm256_and_si256(_mm256_srl_epi32(v, _mm_cvtsi32_si128(shift)), _mm256_set1_epi32(0xF));
    return _mm256_fmadd_ps(half8(b.d), _mm256_cvtepi32_ps(q), half8(b.m));
  }
  const auto& b = reinterpret_cast<const BlockQ8_0x8*>(group)[i];
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b.qs + 32 * (r / 4)));
  const __m256i q = _mm256_srai_epi32(_mm256_sll_epi32(v, _mm_cvtsi32_si128(24 - 8 * (r % 4))), 24);
  return _mm256_mul_ps(half8(b.d), _mm256_cvtepi32_ps(q));
}

// y[c] (eight rows) += W[:, index]·value over column c's outliers.
inline void packed_add_outliers(const PackedMatrix& w, const uint8_t* group, const Q8Outliers& o, int64_t b, float* y) {
  const int32_t count = o.counts[b];
  if (count == 0) return;
  __m256 acc = _mm256_loadu_ps(y);
  const Q8Outlier* items = o.items + b * o.stride;
  for (int32_t k = 0; k < count; ++k)
    acc = _mm256_fmadd_ps(packed_column(w, group, items[k].index), _mm256_set1_ps(items[k].value), acc);
  _mm256_storeu_ps(y, acc);
}

template <class Isa, int NC>
void packed_groups(const PackedMatrix& w, int64_t g0, int64_t g1, const BlockQ8Act* xq, int64_t b0, float* y,
                   int64_t y_stride, const Q8Outliers* outliers) {
  const int64_t nb = w.row_len() / kQ8ActBlock;
  const BlockQ8Act* x[NC];
  float* yc[NC];
  for (int64_t g = g0; g < g1; ++g) {
    for (int c = 0; c < NC; ++c) {
      x[c] = xq + (b0 + c) * nb;
      yc[c] = y + (b0 + c) * y_stride + g * kPackRows;
    }
    if (w.type() == GgmlType::Q4_1)
      packed_q4_1_group<Isa, NC>(reinterpret_cast<const BlockQ4_1x8*>(w.group(g)), nb, x, yc);
    else
      packed_q8_0_group<Isa, NC>(reinterpret_cast<const BlockQ8_0x8*>(w.group(g)), nb, x, yc);
    if (outliers)
      for (int c = 0; c < NC; ++c) packed_add_outliers(w, w.group(g), *outliers, b0 + c, yc[c]);
  }
}

// Row groups in chunks that stay in L1 while every column tile passes over them.
template <class Isa>
void packed_matmul_isa(const PackedMatrix& w, int64_t row_begin, int64_t row_end, const BlockQ8Act* xq, int64_t batch,
                       float* y, int64_t y_stride, const Q8Outliers* outliers) {
  constexpr int64_t kGroupsPerChunk = 2;
  // Q8_0 keeps its int32 sums per column in registers: at most two columns at once.
  const bool wide = Isa::kCols > 2 && w.type() != GgmlType::Q8_0;
  const int64_t g_end = row_end / kPackRows;
  for (int64_t g0 = row_begin / kPackRows; g0 < g_end; g0 += kGroupsPerChunk) {
    const int64_t g1 = g0 + kGroupsPerChunk < g_end ? g0 + kGroupsPerChunk : g_end;
    int64_t b0 = 0;
    if (wide)
      for (; b0 + Isa::kCols <= batch; b0 += Isa::kCols)
        packed_groups<Isa, Isa::kCols>(w, g0, g1, xq, b0, y, y_stride, outliers);
    for (; b0 + 2 <= batch; b0 += 2) packed_groups<Isa, 2>(w, g0, g1, xq, b0, y, y_stride, outliers);
    for (; b0 < batch; ++b0) packed_groups<Isa, 1>(w, g0, g1, xq, b0, y, y_stride, outliers);
  }
}

}  // namespace
}  // namespace rayctl::inference
