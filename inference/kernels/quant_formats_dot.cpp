// Row dot-product kernels on quantized weights (declared in quant_formats.h): quantized row ×
// Q8 activation with integer arithmetic, AVX2 when the compiler targets it (__AVX2__), scalar
// otherwise; and the exact dequantize-then-dot path for f32 activations.
#include "inference/kernels/quant_formats.h"

#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__AVX2__) || defined(__F16C__)
#include <immintrin.h>
#endif
#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include "inference/kernels/quant_matmul_tiles.h"
#define RAYCTL_AVX2_ROW_KERNELS 1
#endif

namespace rayctl::inference {

namespace {

// Half → float: one instruction where F16C is on (every x86-64-v3 build), else the table.
inline float h2f(uint16_t h) {
#if defined(__F16C__)
  return _cvtsh_ss(h);
#else
  return fp16_to_fp32(h);
#endif
}

// ---------------------------------------------------------------- scalar kernels
float dot_q4_0_scalar(const BlockQ4_0* w, const BlockQ8Act* x, int64_t nb) {
  float acc = 0;
  for (int64_t i = 0; i < nb; ++i) {
    int s = 0;
    for (int j = 0; j < 16; ++j) s += ((w[i].qs[j] & 0xF) - 8) * x[i].qs[j] + ((w[i].qs[j] >> 4) - 8) * x[i].qs[j + 16];
    acc += h2f(w[i].d) * x[i].d * float(s);
  }
  return acc;
}

float dot_q4_1_scalar(const BlockQ4_1* w, const BlockQ8Act* x, int64_t nb) {
  float acc = 0;
  for (int64_t i = 0; i < nb; ++i) {
    int s = 0;
    for (int j = 0; j < 16; ++j) s += (w[i].qs[j] & 0xF) * x[i].qs[j] + (w[i].qs[j] >> 4) * x[i].qs[j + 16];
    acc += h2f(w[i].d) * x[i].d * float(s) + h2f(w[i].m) * x[i].sum;
  }
  return acc;
}

float dot_q5_0_scalar(const BlockQ5_0* w, const BlockQ8Act* x, int64_t nb) {
  float acc = 0;
  for (int64_t i = 0; i < nb; ++i) {
    uint32_t qh;
    std::memcpy(&qh, w[i].qh, 4);
    int s = 0;
    for (int j = 0; j < 16; ++j) {
      int x0 = ((w[i].qs[j] & 0xF) | int(((qh >> j) & 1u) << 4)) - 16;
      int x1 = ((w[i].qs[j] >> 4) | int(((qh >> (j + 16)) & 1u) << 4)) - 16;
      s += x0 * x[i].qs[j] + x1 * x[i].qs[j + 16];
    }
    acc += h2f(w[i].d) * x[i].d * float(s);
  }
  return acc;
}

float dot_q8_0_scalar(const BlockQ8_0* w, const BlockQ8Act* x, int64_t nb) {
  float acc = 0;
  for (int64_t i = 0; i < nb; ++i) {
    int s = 0;
    for (int j = 0; j < 32; ++j) s += w[i].qs[j] * x[i].qs[j];
    acc += h2f(w[i].d) * x[i].d * float(s);
  }
  return acc;
}

float dot_q4_k_scalar(const BlockQ4_K* w, const BlockQ8Act* x, int64_t nb) {
  float acc = 0;
  for (int64_t i = 0; i < nb; ++i) {
    float d = h2f(w[i].d), dmin = h2f(w[i].dmin);
    const BlockQ8Act* xb = x + 8 * i;
    for (int c = 0; c < 4; ++c) {
      const uint8_t* q = w[i].qs + 32 * c;
      int s_lo = 0, s_hi = 0;
      for (int l = 0; l < 32; ++l) {
        s_lo += (q[l] & 0xF) * xb[2 * c].qs[l];
        s_hi += (q[l] >> 4) * xb[2 * c + 1].qs[l];
      }
      uint8_t sc, m;
      q4_k_scale_min(2 * c, w[i].scales, sc, m);
      acc += d * float(sc) * xb[2 * c].d * float(s_lo) - dmin * float(m) * xb[2 * c].sum;
      q4_k_scale_min(2 * c + 1, w[i].scales, sc, m);
      acc += d * float(sc) * xb[2 * c + 1].d * float(s_hi) - dmin * float(m) * xb[2 * c + 1].sum;
    }
  }
  return acc;
}

// Unpacks one Q6_K block into 256 signed values (q6 − 32) in element order.
inline void q6k_unpack(const BlockQ6_K& b, int8_t* out) {
  const uint8_t* ql = b.ql;
  const uint8_t* qh = b.qh;
  for (int half = 0; half < 2; ++half, out += 128, ql += 64, qh += 32) {
    for (int l = 0; l < 32; ++l) {
      out[l] = int8_t(((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32);
      out[l + 32] = int8_t(((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32);
      out[l + 64] = int8_t(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
      out[l + 96] = int8_t(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
    }
  }
}

float dot_q6_k_scalar(const BlockQ6_K* w, const BlockQ8Act* x, int64_t nb) {
  float acc = 0;
  int8_t q[256];
  for (int64_t i = 0; i < nb; ++i) {
    q6k_unpack(w[i], q);
    float d = h2f(w[i].d);
    const BlockQ8Act* xb = x + 8 * i;
    for (int k = 0; k < 8; ++k) {
      int s0 = 0, s1 = 0;
      for (int l = 0; l < 16; ++l) {
        s0 += q[32 * k + l] * xb[k].qs[l];
        s1 += q[32 * k + 16 + l] * xb[k].qs[16 + l];
      }
      acc += d * xb[k].d * float(s0 * w[i].scales[2 * k] + s1 * w[i].scales[2 * k + 1]);
    }
  }
  return acc;
}

#if defined(RAYCTL_AVX2_ROW_KERNELS)
// ---------------------------------------------------------------- AVX2 kernels
// (hsum8, unpack_nibbles, fifth_bits, load_qs and the maddubs dot come from quant_matmul_tiles.h)
inline __m256 fmadd(__m256 a, __m256 b, __m256 c) { return _mm256_fmadd_ps(a, b, c); }
inline float hsum(__m256 v) { return hsum8(v); }
inline __m256i nibbles_32(const uint8_t* qs) { return unpack_nibbles(qs); }
inline __m256i dot_u8_s8(__m256i a, __m256i b) { return Avx2Isa::dot_u8s8(a, b); }
// Σ a·b for two signed vectors (|a| ≤ 127 so the sign trick is exact).
inline __m256i dot_s8_s8(__m256i a, __m256i b) { return dot_u8_s8(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a)); }
inline __m256i load32(const int8_t* p) { return load_qs(p); }

float dot_q4_0_avx2(const BlockQ4_0* w, const BlockQ8Act* x, int64_t nb) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    __m256i q = _mm256_sub_epi8(nibbles_32(w[i].qs), _mm256_set1_epi8(8));
    __m256 s = _mm256_cvtepi32_ps(dot_s8_s8(q, load32(x[i].qs)));
    acc = fmadd(_mm256_set1_ps(h2f(w[i].d) * x[i].d), s, acc);
  }
  return hsum(acc);
}

float dot_q4_1_avx2(const BlockQ4_1* w, const BlockQ8Act* x, int64_t nb) {
  __m256 acc = _mm256_setzero_ps();
  float offset = 0;
  for (int64_t i = 0; i < nb; ++i) {
    __m256 s = _mm256_cvtepi32_ps(dot_u8_s8(nibbles_32(w[i].qs), load32(x[i].qs)));
    acc = fmadd(_mm256_set1_ps(h2f(w[i].d) * x[i].d), s, acc);
    offset += h2f(w[i].m) * x[i].sum;
  }
  return hsum(acc) + offset;
}

float dot_q5_0_avx2(const BlockQ5_0* w, const BlockQ8Act* x, int64_t nb) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    uint32_t qh;
    std::memcpy(&qh, w[i].qh, 4);
    __m256i hi = fifth_bits(qh);
    __m256i q = _mm256_sub_epi8(_mm256_or_si256(nibbles_32(w[i].qs), hi), _mm256_set1_epi8(16));
    __m256 s = _mm256_cvtepi32_ps(dot_s8_s8(q, load32(x[i].qs)));
    acc = fmadd(_mm256_set1_ps(h2f(w[i].d) * x[i].d), s, acc);
  }
  return hsum(acc);
}

float dot_q8_0_avx2(const BlockQ8_0* w, const BlockQ8Act* x, int64_t nb) {
  __m256 acc = _mm256_setzero_ps();
  for (int64_t i = 0; i < nb; ++i) {
    __m256 s = _mm256_cvtepi32_ps(dot_s8_s8(load32(w[i].qs), load32(x[i].qs)));
    acc = fmadd(_mm256_set1_ps(h2f(w[i].d) * x[i].d), s, acc);
  }
  return hsum(acc);
}

float dot_q4_k_avx2(const BlockQ4_K* w, const BlockQ8Act* x, int64_t nb) {
  __m256 acc = _mm256_setzero_ps();
  float offset = 0;
  const __m256i low = _mm256_set1_epi8(0x0F);
  for (int64_t i = 0; i < nb; ++i) {
    float d = h2f(w[i].d), dmin = h2f(w[i].dmin);
    const BlockQ8Act* xb = x + 8 * i;
    for (int c = 0; c < 4; ++c) {
      __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[i].qs + 32 * c));
      __m256i q_lo = _mm256_and_si256(q, low);
      __m256i q_hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), low);
      uint8_t sc, m;
      q4_k_scale_min(2 * c, w[i].scales, sc, m);
      acc = fmadd(_mm256_set1_ps(d * float(sc) * xb[2 * c].d),
                  _mm256_cvtepi32_ps(dot_u8_s8(q_lo, load32(xb[2 * c].qs))), acc);
      offset += dmin * float(m) * xb[2 * c].sum;
      q4_k_scale_min(2 * c + 1, w[i].scales, sc, m);
      acc = fmadd(_mm256_set1_ps(d * float(sc) * xb[2 * c + 1].d),
                  _mm256_cvtepi32_ps(dot_u8_s8(q_hi, load32(xb[2 * c + 1].qs))), acc);
      offset += dmin * float(m) * xb[2 * c + 1].sum;
    }
  }
  return hsum(acc) - offset;
}

float dot_q6_k_avx2(const BlockQ6_K* w, const BlockQ8Act* x, int64_t nb) {
  __m256 acc = _mm256_setzero_ps();
  const __m256i m4 = _mm256_set1_epi8(0x0F), m2 = _mm256_set1_epi8(3), off = _mm256_set1_epi8(32);
  for (int64_t i = 0; i < nb; ++i) {
    float d = h2f(w[i].d);
    const BlockQ8Act* xb = x + 8 * i;
    for (int half = 0; half < 2; ++half) {
      const uint8_t* ql = w[i].ql + 64 * half;
      const uint8_t* qh = w[i].qh + 32 * half;
      const int8_t* sc = w[i].scales + 8 * half;
      __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
      __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
      __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qh));
      // The four 32-element groups of this half, as unsigned 0..63.
      __m256i g[4] = {
          _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_slli_epi16(_mm256_and_si256(h, m2), 4)),
          _mm256_or_si256(_mm256_and_si256(l1, m4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 2), m2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 4), m2), 4)),
          _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4),
                          _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(h, 6), m2), 4)),
      };
      for (int k = 0; k < 4; ++k) {
        const BlockQ8Act& xa = xb[4 * half + k];
        __m256i xq = load32(xa.qs);
        // (q − 32)·x = q·x − 32·x, computed as u8×s8 pairs then scaled per 16-element half.
        __m256i p = _mm256_sub_epi16(_mm256_maddubs_epi16(g[k], xq), _mm256_maddubs_epi16(off, xq));
        __m256i scales = _mm256_set_m128i(_mm_set1_epi16(sc[2 * k + 1]), _mm_set1_epi16(sc[2 * k]));
        __m256i s = _mm256_madd_epi16(p, scales);
        acc = fmadd(_mm256_set1_ps(d * xa.d), _mm256_cvtepi32_ps(s), acc);
      }
    }
  }
  return hsum(acc);
}
#endif  // RAYCTL_AVX2_ROW_KERNELS

[[noreturn]] void bad_dot(GgmlType t) {
  throw std::invalid_argument("vec_dot_q8: ggml type " + std::string(ggml_type_name(t)) +
                              " does not take Q8 activations");
}

}  // namespace

float vec_dot_q8(GgmlType t, const void* row, const BlockQ8Act* x, int64_t n) {
#if defined(RAYCTL_AVX2_ROW_KERNELS)
  switch (t) {
    case GgmlType::Q4_0: return dot_q4_0_avx2(static_cast<const BlockQ4_0*>(row), x, n / 32);
    case GgmlType::Q4_1: return dot_q4_1_avx2(static_cast<const BlockQ4_1*>(row), x, n / 32);
    case GgmlType::Q5_0: return dot_q5_0_avx2(static_cast<const BlockQ5_0*>(row), x, n / 32);
    case GgmlType::Q8_0: return dot_q8_0_avx2(static_cast<const BlockQ8_0*>(row), x, n / 32);
    case GgmlType::Q4_K: return dot_q4_k_avx2(static_cast<const BlockQ4_K*>(row), x, n / 256);
    case GgmlType::Q6_K: return dot_q6_k_avx2(static_cast<const BlockQ6_K*>(row), x, n / 256);
    default: bad_dot(t);
  }
#else
  return vec_dot_q8_scalar(t, row, x, n);
#endif
}

// The scalar kernels stay compiled in AVX2 builds: tests compare both flavours.
float vec_dot_q8_scalar(GgmlType t, const void* row, const BlockQ8Act* x, int64_t n) {
  switch (t) {
    case GgmlType::Q4_0: return dot_q4_0_scalar(static_cast<const BlockQ4_0*>(row), x, n / 32);
    case GgmlType::Q4_1: return dot_q4_1_scalar(static_cast<const BlockQ4_1*>(row), x, n / 32);
    case GgmlType::Q5_0: return dot_q5_0_scalar(static_cast<const BlockQ5_0*>(row), x, n / 32);
    case GgmlType::Q8_0: return dot_q8_0_scalar(static_cast<const BlockQ8_0*>(row), x, n / 32);
    case GgmlType::Q4_K: return dot_q4_k_scalar(static_cast<const BlockQ4_K*>(row), x, n / 256);
    case GgmlType::Q6_K: return dot_q6_k_scalar(static_cast<const BlockQ6_K*>(row), x, n / 256);
    default: bad_dot(t);
  }
}

float vec_dot_f32(GgmlType t, const void* row, const float* x, int64_t n) {
  float acc = 0;
  if (t == GgmlType::F32) {
    const float* w = static_cast<const float*>(row);
    for (int64_t i = 0; i < n; ++i) acc += w[i] * x[i];
    return acc;
  }
  // Dequantize a chunk at a time: exact, allocation-free.
  const GgmlTypeInfo* info = ggml_type_info(uint32_t(t));
  if (!info || !info->supported)
    throw std::invalid_argument("vec_dot_f32: unsupported ggml type " + std::string(ggml_type_name(t)));
  constexpr int64_t kChunk = 256;
  float buf[kChunk];
  const auto* src = static_cast<const uint8_t*>(row);
  int64_t step = info->block_elems >= kChunk ? info->block_elems : kChunk - kChunk % info->block_elems;
  for (int64_t i = 0; i < n; i += step) {
    int64_t len = std::min<int64_t>(step, n - i);
    dequantize_row(t, src + ggml_row_bytes(t, i), buf, len);
    for (int64_t j = 0; j < len; ++j) acc += buf[j] * x[i + j];
  }
  return acc;
}

}  // namespace rayctl::inference
