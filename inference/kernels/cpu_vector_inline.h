// The vector kernels that run in the CPU backend's innermost loops — attention's dot and axpy
// over the cached positions, the f16 → f32 load of one cached K/V row, and the Exact matmul's
// row dot — as inline functions, so that they inline where they run once per cached position
// (AVX2 + FMA + F16C when compiled for them, scalar otherwise). The out-of-line vector kernels
// are in cpu_vector_ops.h.
#pragma once

#include "inference/kernels/quant_formats.h"

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace rayctl::inference {

// One cached K or V vector of head_dim values as f32 (the f16 cache converts once per position,
// not once per query head).
inline void load_kv_row(const uint16_t* src16, const float* src32, float* out, int hd) {
  if (src32) {
    std::memcpy(out, src32, sizeof(float) * size_t(hd));
    return;
  }
#if defined(__AVX2__) && defined(__F16C__)
  int i = 0;
  for (; i + 8 <= hd; i += 8)
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src16 + i))));
  for (; i < hd; ++i) out[i] = fp16_to_fp32(src16[i]);
#else
  for (int i = 0; i < hd; ++i) out[i] = fp16_to_fp32(src16[i]);
#endif
}

inline float dot_inline(const float* a, const float* b, int n) {
#if defined(__AVX2__) && defined(__FMA__)
  __m256 acc = _mm256_setzero_ps();
  int i = 0;
  for (; i + 8 <= n; i += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc);
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  float s = _mm_cvtss_f32(lo);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
#else
  float s = 0;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
#endif
}

inline void axpy_inline(float a, const float* x, float* y, int n) {
#if defined(__AVX2__) && defined(__FMA__)
  const __m256 va = _mm256_set1_ps(a);
  int i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += a * x[i];
#else
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
#endif
}

}  // namespace rayctl::inference
