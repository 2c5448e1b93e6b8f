// Reference quantizers for test data (see reference_quantizers.h).
#include "tests/inference/support/reference_quantizers.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace rayctl::inference {

namespace {

inline int nearest_int(float f) { return int(std::lrintf(f)); }

// The value of largest magnitude among x[0..n) (the first of equals; 0 when all are 0), with its
// sign: the symmetric formats scale a block by it so that it lands on the most negative level.
float max_by_magnitude(const float* x, int n) {
  float amax = 0, max = 0;
  for (int j = 0; j < n; ++j)
    if (std::fabs(x[j]) > amax) amax = std::fabs(x[j]), max = x[j];
  return max;
}

// ---- reference quantizers (ggml's rounding for the legacy types; a plain min/max scheme for
// the K-quants, whose layout is exact but whose scale search is simpler than ggml's) ----

void quant_q4_0(const float* x, BlockQ4_0* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += 32) {
    float max = max_by_magnitude(x, 32);
    float d = max / -8, id = d ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    for (int j = 0; j < 16; ++j) {
      int x0 = std::min(15, int(int8_t(x[j] * id + 8.5f)));
      int x1 = std::min(15, int(int8_t(x[j + 16] * id + 8.5f)));
      b[i].qs[j] = uint8_t(x0 | (x1 << 4));
    }
  }
}

void quant_q4_1(const float* x, BlockQ4_1* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += 32) {
    float mn = x[0], mx = x[0];
    for (int j = 1; j < 32; ++j) mn = std::min(mn, x[j]), mx = std::max(mx, x[j]);
    float d = (mx - mn) / 15, id = d ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    b[i].m = fp32_to_fp16(mn);
    for (int j = 0; j < 16; ++j) {
      int x0 = std::min(15, int(int8_t((x[j] - mn) * id + 0.5f)));
      int x1 = std::min(15, int(int8_t((x[j + 16] - mn) * id + 0.5f)));
      b[i].qs[j] = uint8_t(x0 | (x1 << 4));
    }
  }
}

void quant_q5_0(const float* x, BlockQ5_0* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += 32) {
    float max = max_by_magnitude(x, 32);
    float d = max / -16, id = d ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < 16; ++j) {
      int x0 = std::min(31, int(int8_t(x[j] * id + 16.5f)));
      int x1 = std::min(31, int(int8_t(x[j + 16] * id + 16.5f)));
      b[i].qs[j] = uint8_t((x0 & 0xF) | ((x1 & 0xF) << 4));
      qh |= uint32_t((x0 & 0x10) >> 4) << j;
      qh |= uint32_t((x1 & 0x10) >> 4) << (j + 16);
    }
    std::memcpy(b[i].qh, &qh, 4);
  }
}

void quant_q8_0(const float* x, BlockQ8_0* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += 32) {
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[j]));
    float d = amax / 127, id = d ? 1.0f / d : 0.0f;
    b[i].d = fp32_to_fp16(d);
    for (int j = 0; j < 32; ++j) b[i].qs[j] = int8_t(nearest_int(x[j] * id));
  }
}

void quant_q4_k(const float* x, BlockQ4_K* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += 256) {
    float scale[8], minv[8];
    for (int j = 0; j < 8; ++j) {
      float mn = 0, mx = 0;
      for (int l = 0; l < 32; ++l) mn = std::min(mn, x[32 * j + l]), mx = std::max(mx, x[32 * j + l]);
      scale[j] = (mx - mn) / 15;
      minv[j] = -mn;
    }
    float max_scale = *std::max_element(scale, scale + 8), max_min = *std::max_element(minv, minv + 8);
    float d = max_scale / 63, dmin = max_min / 63;
    b[i].d = fp32_to_fp16(d);
    b[i].dmin = fp32_to_fp16(dmin);
    d = fp16_to_fp32(b[i].d);
    dmin = fp16_to_fp32(b[i].dmin);
    uint8_t sc[8], m[8];
    for (int j = 0; j < 8; ++j) {
      sc[j] = uint8_t(std::clamp(d ? nearest_int(scale[j] / d) : 0, 0, 63));
      m[j] = uint8_t(std::clamp(dmin ? nearest_int(minv[j] / dmin) : 0, 0, 63));
    }
    for (int j = 0; j < 4; ++j) {
      b[i].scales[j] = uint8_t(sc[j] | ((sc[j + 4] >> 4) << 6));
      b[i].scales[j + 4] = uint8_t(m[j] | ((m[j + 4] >> 4) << 6));
      b[i].scales[j + 8] = uint8_t((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
    }
    uint8_t q[256];
    for (int j = 0; j < 8; ++j) {
      float ds = d * sc[j], dm = dmin * m[j];
      for (int l = 0; l < 32; ++l)
        q[32 * j + l] = uint8_t(std::clamp(ds ? nearest_int((x[32 * j + l] + dm) / ds) : 0, 0, 15));
    }
    for (int c = 0; c < 4; ++c)
      for (int l = 0; l < 32; ++l) b[i].qs[32 * c + l] = uint8_t(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
  }
}

void quant_q6_k(const float* x, BlockQ6_K* b, int64_t nb) {
  for (int64_t i = 0; i < nb; ++i, x += 256) {
    float scale[16];
    float max_abs_scale = 0;
    for (int j = 0; j < 16; ++j) {
      scale[j] = max_by_magnitude(x + 16 * j, 16) / -32;
      max_abs_scale = std::max(max_abs_scale, std::fabs(scale[j]));
    }
    float d = max_abs_scale / 127;
    b[i].d = fp32_to_fp16(d);
    d = fp16_to_fp32(b[i].d);
    uint8_t L[256];
    for (int j = 0; j < 16; ++j) {
      int s = std::clamp(d ? nearest_int(scale[j] / d) : 0, -127, 127);
      b[i].scales[j] = int8_t(s);
      float ds = d * float(s);
      for (int l = 0; l < 16; ++l)
        L[16 * j + l] = uint8_t(std::clamp(ds ? nearest_int(x[16 * j + l] / ds) : 0, -32, 31) + 32);
    }
    for (int half = 0; half < 2; ++half) {
      const uint8_t* Lh = L + 128 * half;
      uint8_t* ql = b[i].ql + 64 * half;
      uint8_t* qh = b[i].qh + 32 * half;
      for (int l = 0; l < 32; ++l) {
        ql[l] = uint8_t((Lh[l] & 0xF) | ((Lh[l + 64] & 0xF) << 4));
        ql[l + 32] = uint8_t((Lh[l + 32] & 0xF) | ((Lh[l + 96] & 0xF) << 4));
        qh[l] = uint8_t((Lh[l] >> 4) | ((Lh[l + 32] >> 4) << 2) | ((Lh[l + 64] >> 4) << 4) | ((Lh[l + 96] >> 4) << 6));
      }
    }
  }
}

}  // namespace

uint16_t fp32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return uint16_t((u >> 16) | 64);  // quiet NaN
  return uint16_t((u + (0x7FFFu + ((u >> 16) & 1u))) >> 16);
}

void quantize_row(GgmlType t, const float* src, void* dst, int64_t n) {
  check_whole_blocks(t, n);
  switch (t) {
    case GgmlType::F32: std::memcpy(dst, src, size_t(n) * 4); return;
    case GgmlType::F16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(src[i]);
      return;
    }
    case GgmlType::BF16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(src[i]);
      return;
    }
    case GgmlType::Q4_0: return quant_q4_0(src, static_cast<BlockQ4_0*>(dst), n / 32);
    case GgmlType::Q4_1: return quant_q4_1(src, static_cast<BlockQ4_1*>(dst), n / 32);
    case GgmlType::Q5_0: return quant_q5_0(src, static_cast<BlockQ5_0*>(dst), n / 32);
    case GgmlType::Q8_0: return quant_q8_0(src, static_cast<BlockQ8_0*>(dst), n / 32);
    case GgmlType::Q4_K: return quant_q4_k(src, static_cast<BlockQ4_K*>(dst), n / 256);
    case GgmlType::Q6_K: return quant_q6_k(src, static_cast<BlockQ6_K*>(dst), n / 256);
    default: throw_unsupported_type(t, "quantize_row");
  }
}

}  // namespace rayctl::inference
