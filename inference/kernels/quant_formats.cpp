// Type table, half-float conversion, dequantization and Q8 activation quantization for the ggml
// block formats. The dot-product kernels live in quant_formats_dot.cpp; the reference weight
// quantizers that build test data, in tests/inference/support/reference_quantizers.cpp.
#include "inference/kernels/quant_formats.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#if defined(__F16C__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace rayctl::inference {

namespace {

struct TypeRow {
  uint32_t id;
  GgmlTypeInfo info;
};

constexpr TypeRow kTypes[] = {
    {0, {"F32", 1, 4, true}},          {1, {"F16", 1, 2, true}},          {2, {"Q4_0", 32, 18, true}},
    {3, {"Q4_1", 32, 20, true}},       {6, {"Q5_0", 32, 22, true}},       {7, {"Q5_1", 32, 24, false}},
    {8, {"Q8_0", 32, 34, true}},       {9, {"Q8_1", 32, 36, false}},      {10, {"Q2_K", 256, 84, false}},
    {11, {"Q3_K", 256, 110, false}},   {12, {"Q4_K", 256, 144, true}},    {13, {"Q5_K", 256, 176, false}},
    {14, {"Q6_K", 256, 210, true}},    {15, {"Q8_K", 256, 292, false}},   {16, {"IQ2_XXS", 256, 66, false}},
    {17, {"IQ2_XS", 256, 74, false}},  {18, {"IQ3_XXS", 256, 98, false}}, {19, {"IQ1_S", 256, 50, false}},
    {20, {"IQ4_NL", 32, 18, false}},   {21, {"IQ3_S", 256, 110, false}},  {22, {"IQ2_S", 256, 82, false}},
    {23, {"IQ4_XS", 256, 136, false}}, {24, {"I8", 1, 1, false}},         {25, {"I16", 1, 2, false}},
    {26, {"I32", 1, 4, false}},        {27, {"I64", 1, 8, false}},        {28, {"F64", 1, 8, false}},
    {29, {"IQ1_M", 256, 56, false}},   {30, {"BF16", 1, 2, true}},        {34, {"TQ1_0", 256, 54, false}},
    {35, {"TQ2_0", 256, 66, false}},   {39, {"MXFP4", 32, 17, false}},
};

#if !defined(__F16C__)  // without F16C, half → float goes through a table
std::array<float, 65536> make_fp16_table() {
  std::array<float, 65536> t{};
  for (uint32_t h = 0; h < 65536; ++h) {
    uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;
    if (exp == 0) {
      if (mant == 0) {
        bits = sign;
      } else {  // subnormal: normalise
        int e = -1;
        do {
          ++e;
          mant <<= 1;
        } while ((mant & 0x400) == 0);
        bits = sign | uint32_t(127 - 15 - e) << 23 | (mant & 0x3FF) << 13;
      }
    } else if (exp == 31) {
      bits = sign | 0x7F800000u | mant << 13;
    } else {
      bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    std::memcpy(&t[h], &bits, 4);
  }
  return t;
}

const std::array<float, 65536>& fp16_table() {
  static const std::array<float, 65536> table = make_fp16_table();
  return table;
}
#endif

inline int nearest_int(float f) { return int(std::lrintf(f)); }

void dequant_q4_0(const BlockQ4_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += 32) {
    float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < 16; ++j) {
      y[j] = float((b[i].qs[j] & 0xF) - 8) * d;
      y[j + 16] = float((b[i].qs[j] >> 4) - 8) * d;
    }
  }
}

void dequant_q4_1(const BlockQ4_1* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += 32) {
    float d = fp16_to_fp32(b[i].d), m = fp16_to_fp32(b[i].m);
    for (int j = 0; j < 16; ++j) {
      y[j] = float(b[i].qs[j] & 0xF) * d + m;
      y[j + 16] = float(b[i].qs[j] >> 4) * d + m;
    }
  }
}

void dequant_q5_0(const BlockQ5_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += 32) {
    float d = fp16_to_fp32(b[i].d);
    uint32_t qh;
    std::memcpy(&qh, b[i].qh, 4);
    for (int j = 0; j < 16; ++j) {
      int x0 = (b[i].qs[j] & 0xF) | int(((qh >> j) & 1u) << 4);
      int x1 = (b[i].qs[j] >> 4) | int(((qh >> (j + 16)) & 1u) << 4);
      y[j] = float(x0 - 16) * d;
      y[j + 16] = float(x1 - 16) * d;
    }
  }
}

void dequant_q8_0(const BlockQ8_0* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, y += 32) {
    float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < 32; ++j) y[j] = float(b[i].qs[j]) * d;
  }
}

void dequant_q4_k(const BlockQ4_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    float d = fp16_to_fp32(b[i].d), dmin = fp16_to_fp32(b[i].dmin);
    const uint8_t* q = b[i].qs;
    for (int c = 0; c < 4; ++c, q += 32) {
      uint8_t sc, m;
      q4_k_scale_min(2 * c, b[i].scales, sc, m);
      float d1 = d * sc, m1 = dmin * m;
      q4_k_scale_min(2 * c + 1, b[i].scales, sc, m);
      float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * float(q[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * float(q[l] >> 4) - m2;
    }
  }
}

void dequant_q6_k(const BlockQ6_K* b, float* y, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i) {
    float d = fp16_to_fp32(b[i].d);
    const uint8_t* ql = b[i].ql;
    const uint8_t* qh = b[i].qh;
    const int8_t* sc = b[i].scales;
    for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        int is = l / 16;
        int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * float(sc[is]) * float(q1);
        y[l + 32] = d * float(sc[is + 2]) * float(q2);
        y[l + 64] = d * float(sc[is + 4]) * float(q3);
        y[l + 96] = d * float(sc[is + 6]) * float(q4);
      }
    }
  }
}

}  // namespace

const GgmlTypeInfo* ggml_type_info(uint32_t type_id) {
  for (const TypeRow& r : kTypes)
    if (r.id == type_id) return &r.info;
  return nullptr;
}

std::string_view ggml_type_name(GgmlType t) {
  const GgmlTypeInfo* i = ggml_type_info(uint32_t(t));
  return i ? i->name : std::string_view("unknown");
}

bool ggml_type_supported(GgmlType t) {
  const GgmlTypeInfo* i = ggml_type_info(uint32_t(t));
  return i && i->supported;
}

size_t ggml_row_bytes(GgmlType t, int64_t n) {
  const GgmlTypeInfo* i = ggml_type_info(uint32_t(t));
  if (!i || n < 0 || n % i->block_elems != 0) return 0;
  return size_t(n / i->block_elems) * size_t(i->block_bytes);
}

float fp16_to_fp32(uint16_t h) {
#if defined(__F16C__)
  return _cvtsh_ss(h);
#else
  return fp16_table()[h];
#endif
}

uint16_t fp32_to_fp16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7FFFFFFFu;
  if (absx >= 0x7F800000u) return uint16_t(sign | 0x7C00u | (absx > 0x7F800000u ? 0x200u : 0u));  // inf / nan
  if (absx >= 0x477FF000u) return uint16_t(sign | 0x7C00u);  // rounds to > 65504: overflow to inf
  if (absx < 0x38800000u) {                                  // result is subnormal or zero
    if (absx < 0x33000000u) return uint16_t(sign);           // below half the smallest subnormal
    uint32_t mant = (absx & 0x7FFFFFu) | 0x800000u;
    int shift = 126 - int(absx >> 23);  // 14..24
    uint32_t val = mant >> shift;
    uint32_t rem = mant & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (val & 1u))) ++val;
    return uint16_t(sign | val);
  }
  uint32_t val = ((absx >> 13) - (112u << 10));
  uint32_t rem = absx & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (val & 1u))) ++val;
  return uint16_t(sign | val);
}

void throw_unsupported_type(GgmlType t, const char* what) {
  throw std::invalid_argument(std::string(what) + ": unsupported ggml type " + std::string(ggml_type_name(t)));
}

void check_whole_blocks(GgmlType t, int64_t n) {
  const GgmlTypeInfo* info = ggml_type_info(uint32_t(t));
  if (!info || n < 0 || n % info->block_elems != 0)
    throw std::invalid_argument("row of " + std::to_string(n) + " elements is not a whole number of " +
                                std::string(ggml_type_name(t)) + " blocks");
}

void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n) {
  check_whole_blocks(t, n);
  switch (t) {
    case GgmlType::F32: std::memcpy(dst, src, size_t(n) * 4); return;
    case GgmlType::F16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
      return;
    }
    case GgmlType::BF16: {
      const auto* h = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(h[i]);
      return;
    }
    case GgmlType::Q4_0: return dequant_q4_0(static_cast<const BlockQ4_0*>(src), dst, n / 32);
    case GgmlType::Q4_1: return dequant_q4_1(static_cast<const BlockQ4_1*>(src), dst, n / 32);
    case GgmlType::Q5_0: return dequant_q5_0(static_cast<const BlockQ5_0*>(src), dst, n / 32);
    case GgmlType::Q8_0: return dequant_q8_0(static_cast<const BlockQ8_0*>(src), dst, n / 32);
    case GgmlType::Q4_K: return dequant_q4_k(static_cast<const BlockQ4_K*>(src), dst, n / 256);
    case GgmlType::Q6_K: return dequant_q6_k(static_cast<const BlockQ6_K*>(src), dst, n / 256);
    default: throw_unsupported_type(t, "dequantize_row");
  }
}

namespace {

// One block of 32 activations → Q8. The AVX2 path rounds the same way as lrintf (the MXCSR
// default, to nearest even), so both paths give identical blocks.
inline void quantize_block_q8(const float* x, BlockQ8Act& out) {
#if defined(__AVX2__)
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 v[4], m = _mm256_setzero_ps();
  for (int k = 0; k < 4; ++k) {
    v[k] = _mm256_loadu_ps(x + 8 * k);
    m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v[k]));
  }
  __m128 h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  h = _mm_max_ps(h, _mm_movehl_ps(h, h));
  h = _mm_max_ss(h, _mm_movehdup_ps(h));
  const float amax = _mm_cvtss_f32(h);
  const float d = amax / 127, id = d ? 1.0f / d : 0.0f;
  const __m256 vid = _mm256_set1_ps(id);
  __m256i q[4];
  for (int k = 0; k < 4; ++k) q[k] = _mm256_cvtps_epi32(_mm256_mul_ps(v[k], vid));
  const __m256i sum32 = _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
  __m128i s4 = _mm_add_epi32(_mm256_castsi256_si128(sum32), _mm256_extracti128_si256(sum32, 1));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, _MM_SHUFFLE(1, 0, 3, 2)));
  s4 = _mm_add_epi32(s4, _mm_shuffle_epi32(s4, _MM_SHUFFLE(2, 3, 0, 1)));
  // int32 → int8 keeping element order (packs interleave 128-bit lanes; the permute undoes it).
  const __m256i p16a = _mm256_packs_epi32(q[0], q[1]), p16b = _mm256_packs_epi32(q[2], q[3]);
  const __m256i p8 =
      _mm256_permutevar8x32_epi32(_mm256_packs_epi16(p16a, p16b), _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.qs), p8);
  out.d = d;
  out.sum = d * float(_mm_cvtsi128_si32(s4));
#else
  float amax = 0;
  for (int j = 0; j < kQ8ActBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127, id = d ? 1.0f / d : 0.0f;
  int sum = 0;
  for (int j = 0; j < kQ8ActBlock; ++j) {
    const int q = nearest_int(x[j] * id);
    out.qs[j] = int8_t(q);
    sum += q;
  }
  out.d = d;
  out.sum = d * float(sum);
#endif
}

// The largest and second-largest |x| of a block of 32, and where the largest is.
inline void top_two(const float* x, float& first, float& second, int& top) {
  first = second = 0;
  top = 0;
  for (int j = 0; j < kQ8ActBlock; ++j) {
    const float a = std::fabs(x[j]);
    if (a > first) {
      second = first;
      first = a;
      top = j;
    } else if (a > second) {
      second = a;
    }
  }
}

}  // namespace

void quantize_activation_q8(const float* x, int64_t n, BlockQ8Act* out) {
  if (n % kQ8ActBlock != 0) throw std::invalid_argument("activation length is not a multiple of 32");
  for (int64_t i = 0; i < n / kQ8ActBlock; ++i) quantize_block_q8(x + i * kQ8ActBlock, out[i]);
}

int quantize_activation_q8_outliers(const float* x, int64_t n, BlockQ8Act* out, Q8Outlier* outliers) {
  if (n % kQ8ActBlock != 0) throw std::invalid_argument("activation length is not a multiple of 32");
  int count = 0;
  float block[kQ8ActBlock];
  for (int64_t i = 0; i < n / kQ8ActBlock; ++i) {
    const float* xb = x + i * kQ8ActBlock;
    float first, second;
    int top;
    top_two(xb, first, second, top);
    if (!(first > kQ8OutlierRatio * second) || first == 0) {  // the common case: nothing to take out
      quantize_block_q8(xb, out[i]);
      continue;
    }
    std::copy(xb, xb + kQ8ActBlock, block);
    // Take out the largest value while it dwarfs the next largest (a block can hold several).
    for (int taken = 0; taken < kQ8MaxOutliersPerBlock; ++taken) {
      if (taken > 0) top_two(block, first, second, top);
      if (!(first > kQ8OutlierRatio * second) || first == 0) break;
      outliers[count++] = {static_cast<int32_t>(i * kQ8ActBlock + top), block[top]};
      block[top] = 0;
    }
    quantize_block_q8(block, out[i]);
  }
  return count;
}

float weight_element(GgmlType t, const void* row, int64_t i) {
  const auto* bytes = static_cast<const uint8_t*>(row);
  switch (t) {
    case GgmlType::F32: return static_cast<const float*>(row)[i];
    case GgmlType::Q8_0: {
      const auto& b = static_cast<const BlockQ8_0*>(row)[i / 32];
      return fp16_to_fp32(b.d) * float(b.qs[i % 32]);
    }
    case GgmlType::Q4_1: {
      const auto& b = static_cast<const BlockQ4_1*>(row)[i / 32];
      const int j = static_cast<int>(i % 32);
      const int q = j < 16 ? (b.qs[j] & 0xF) : (b.qs[j - 16] >> 4);
      return fp16_to_fp32(b.d) * float(q) + fp16_to_fp32(b.m);
    }
    case GgmlType::Q4_0: {
      const auto& b = static_cast<const BlockQ4_0*>(row)[i / 32];
      const int j = static_cast<int>(i % 32);
      const int q = j < 16 ? (b.qs[j] & 0xF) : (b.qs[j - 16] >> 4);
      return fp16_to_fp32(b.d) * float(q - 8);
    }
    default: {
      const GgmlTypeInfo* info = ggml_type_info(uint32_t(t));
      if (!info || !info->supported)
        throw std::invalid_argument("weight_element: unsupported ggml type " + std::string(ggml_type_name(t)));
      float buf[256];
      const int64_t be = info->block_elems;
      dequantize_row(t, bytes + (i / be) * info->block_bytes, buf, be);
      return buf[i % be];
    }
  }
}

bool ggml_type_uses_q8_activations(GgmlType t) {
  switch (t) {
    case GgmlType::Q4_0:
    case GgmlType::Q4_1:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
    case GgmlType::Q4_K:
    case GgmlType::Q6_K: return true;
    default: return false;
  }
}

}  // namespace rayctl::inference
