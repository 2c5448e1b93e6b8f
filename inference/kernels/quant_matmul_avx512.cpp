// The tiled matmul kernels compiled for AVX-512 VNNI (this file alone gets -mavx512vnni etc.;
// quant_matmul.cpp calls it only on a CPU that has them). VPDPBUSD does the u8 × s8 dot of
// four lanes into int32 in one instruction where AVX2 needs maddubs + madd; the packed kernels
// also take two row groups per 512-bit register.
#include "inference/kernels/quant_matmul_isa.h"

#if defined(RAYCTL_HAVE_AVX512_TILES)
#if defined(__GNUC__) && !defined(__clang__)
// GCC 12's own AVX-512 intrinsics fill unused halves with _mm512_undefined_*(), which its
// -Wmaybe-uninitialized reports at every inlined call site.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include "inference/kernels/packed_matmul_kernels.h"
#include "inference/kernels/quant_matmul_tiles.h"

namespace rayctl::inference {

namespace {
// 32 ymm registers: four columns' accumulators fit beside the unpacked weights.
struct Avx512VnniIsa {
  static constexpr int kCols = 4;
  static __m256i dot_u8s8(__m256i u, __m256i s) { return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s); }
  static __m256i dot(__m256i acc, __m256i u, __m256i s) { return _mm256_dpbusd_epi32(acc, u, s); }
};
}  // namespace

bool matmul_q8_avx512vnni(GgmlType type, const void* weights, int64_t n, int64_t r0, int64_t r1, const BlockQ8Act* xq,
                          int64_t batch, float* y, int64_t y_stride) {
  return tiled_matmul_q8<Avx512VnniIsa>(type, weights, n, r0, r1, xq, batch, y, y_stride);
}

namespace {

// Two neighbouring row groups (16 rows) in one 512-bit register: lanes 0..7 are group g's rows,
// 8..15 group g+1's, so one broadcast activation word meets sixteen rows per VPDPBUSD.
inline __m512i pair_chunk(const uint8_t* a, const uint8_t* b) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(a))),
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b)), 1);
}
inline __m512 pair_half16(const uint16_t* a, const uint16_t* b) {
  const __m256i h =
      _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a))),
                              _mm_loadu_si128(reinterpret_cast<const __m128i*>(b)), 1);
  return _mm512_cvtph_ps(h);
}
inline __m512i bcast4_512(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm512_set1_epi32(v);
}

template <int NC>
void pair_q4_1(const BlockQ4_1x8* a, const BlockQ4_1x8* b, int64_t nb, const BlockQ8Act* const* x, float* const* y) {
  __m512 acc[NC], accm[NC];
  for (int c = 0; c < NC; ++c) acc[c] = accm[c] = _mm512_setzero_ps();
  const __m512i low = _mm512_set1_epi8(0x0F);
  for (int64_t i = 0; i < nb; ++i) {
    __m512i w[8];
    for (int p = 0; p < 4; ++p) {
      const __m512i v = pair_chunk(a[i].qs + 32 * p, b[i].qs + 32 * p);
      w[p] = _mm512_and_si512(v, low);
      w[p + 4] = _mm512_and_si512(_mm512_srli_epi16(v, 4), low);
    }
    const __m512 d16 = pair_half16(a[i].d, b[i].d), m16 = pair_half16(a[i].m, b[i].m);
    for (int c = 0; c < NC; ++c) {
      const BlockQ8Act& xa = x[c][i];
      __m512i s0 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w[0], bcast4_512(xa.qs));
      __m512i s1 = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w[1], bcast4_512(xa.qs + 4));
      s0 = _mm512_dpbusd_epi32(s0, w[2], bcast4_512(xa.qs + 8));
      s1 = _mm512_dpbusd_epi32(s1, w[3], bcast4_512(xa.qs + 12));
      s0 = _mm512_dpbusd_epi32(s0, w[4], bcast4_512(xa.qs + 16));
      s1 = _mm512_dpbusd_epi32(s1, w[5], bcast4_512(xa.qs + 20));
      s0 = _mm512_dpbusd_epi32(s0, w[6], bcast4_512(xa.qs + 24));
      s1 = _mm512_dpbusd_epi32(s1, w[7], bcast4_512(xa.qs + 28));
      const __m512 sf = _mm512_cvtepi32_ps(_mm512_add_epi32(s0, s1));
      acc[c] = _mm512_fmadd_ps(_mm512_mul_ps(d16, _mm512_set1_ps(xa.d)), sf, acc[c]);
      accm[c] = _mm512_fmadd_ps(m16, _mm512_set1_ps(xa.sum), accm[c]);
    }
  }
  for (int c = 0; c < NC; ++c) _mm512_storeu_ps(y[c], _mm512_add_ps(acc[c], accm[c]));
}

// Q8_0: |w| against x negated where w is negative (AVX-512 has no VPSIGNB; a masked subtract
// does it, exact since the activations stay within ±127).
template <int NC>
void pair_q8_0(const BlockQ8_0x8* a, const BlockQ8_0x8* b, int64_t nb, const BlockQ8Act* const* x, float* const* y) {
  __m512 acc[NC];
  for (int c = 0; c < NC; ++c) acc[c] = _mm512_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    __m512i s[NC];
    for (int c = 0; c < NC; ++c) s[c] = _mm512_setzero_si512();
    for (int g = 0; g < 8; ++g) {
      const __m512i w = pair_chunk(reinterpret_cast<const uint8_t*>(a[i].qs) + 32 * g,
                                   reinterpret_cast<const uint8_t*>(b[i].qs) + 32 * g);
      const __mmask64 neg = _mm512_movepi8_mask(w);
      const __m512i w_abs = _mm512_abs_epi8(w);
      for (int c = 0; c < NC; ++c) {
        const __m512i xb = bcast4_512(x[c][i].qs + 4 * g);
        s[c] = _mm512_dpbusd_epi32(s[c], w_abs, _mm512_mask_sub_epi8(xb, neg, _mm512_setzero_si512(), xb));
      }
    }
    const __m512 d16 = pair_half16(a[i].d, b[i].d);
    for (int c = 0; c < NC; ++c)
      acc[c] = _mm512_fmadd_ps(_mm512_mul_ps(d16, _mm512_set1_ps(x[c][i].d)), _mm512_cvtepi32_ps(s[c]), acc[c]);
  }
  for (int c = 0; c < NC; ++c) _mm512_storeu_ps(y[c], acc[c]);
}

template <int NC>
void pair_groups(const PackedMatrix& w, int64_t g, const BlockQ8Act* xq, int64_t b0, float* y, int64_t y_stride,
                 const Q8Outliers* outliers) {
  const int64_t nb = w.row_len() / kQ8ActBlock;
  const BlockQ8Act* x[NC];
  float* yc[NC];
  for (int c = 0; c < NC; ++c) {
    x[c] = xq + (b0 + c) * nb;
    yc[c] = y + (b0 + c) * y_stride + g * kPackRows;
  }
  if (w.type() == GgmlType::Q4_1)
    pair_q4_1<NC>(reinterpret_cast<const BlockQ4_1x8*>(w.group(g)),
                  reinterpret_cast<const BlockQ4_1x8*>(w.group(g + 1)), nb, x, yc);
  else
    pair_q8_0<NC>(reinterpret_cast<const BlockQ8_0x8*>(w.group(g)),
                  reinterpret_cast<const BlockQ8_0x8*>(w.group(g + 1)), nb, x, yc);
  if (outliers)
    for (int c = 0; c < NC; ++c) {
      packed_add_outliers(w, w.group(g), *outliers, b0 + c, yc[c]);
      packed_add_outliers(w, w.group(g + 1), *outliers, b0 + c, yc[c] + kPackRows);
    }
}

}  // namespace

// Measured on the 2-core EPYC VM (ns per weight block and activation column, weights from
// DRAM): the 512-bit pair kernels pay off only for Q4_1 batches of eight or more (0.31 vs 0.39);
// with one to four columns they run at 0.54–1.5, slower than the 256-bit kernels (0.36–0.72),
// and Q8_0 gains nothing. So only Q4_1 batches of 8+ take them, in tiles of four.
void packed_matmul_avx512vnni(const PackedMatrix& w, int64_t row_begin, int64_t row_end, const BlockQ8Act* xq,
                              int64_t batch, float* y, int64_t y_stride, const Q8Outliers* outliers) {
  const int64_t wide = w.type() == GgmlType::Q4_1 && batch >= 8 ? batch / 4 * 4 : 0;
  if (wide > 0) {
    const int64_t g_end = row_end / kPackRows;
    int64_t g = row_begin / kPackRows;
    for (; g + 2 <= g_end; g += 2)
      for (int64_t b0 = 0; b0 < wide; b0 += 4) pair_groups<4>(w, g, xq, b0, y, y_stride, outliers);
    if (g < g_end)  // an odd group at the end
      packed_matmul_isa<Avx512VnniIsa>(w, g * kPackRows, row_end, xq, wide, y, y_stride, outliers);
  }
  if (wide < batch) {
    const Q8Outliers* rest_outliers = outliers;
    Q8Outliers shifted;
    if (outliers) {
      shifted = {outliers->items + wide * outliers->stride, outliers->counts + wide, outliers->stride};
      rest_outliers = &shifted;
    }
    const int64_t nb = w.row_len() / kQ8ActBlock;
    packed_matmul_isa<Avx512VnniIsa>(w, row_begin, row_end, xq + wide * nb, batch - wide, y + wide * y_stride, y_stride,
                                     rest_outliers);
  }
}

}  // namespace rayctl::inference
#endif
