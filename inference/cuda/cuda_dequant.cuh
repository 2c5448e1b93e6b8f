// Device-side dequantization of ggml blocks, 32 values at a time: Dq<T>::chunk(row, c, out)
// writes values [32c, 32c + 32) of a weight row of type T. The block layouts and formulas are
// those of inference/kernels/quant_formats.cpp (the CPU reference), value for value; K-quant
// super-blocks of 256 are read one 32-value sub-block at a time. Rows start 2-byte aligned (every
// type's row size is even); Q5_0's 4-byte high bits sit at an odd offset, so bytes are loaded.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include "inference/kernels/quant_formats.h"

#include <cstdint>

namespace rayctl::inference::cuda {

enum : uint32_t { kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ8_0 = 8, kQ4_K = 12, kQ6_K = 14, kBF16 = 30 };

__device__ __forceinline__ float load_f16(const uint8_t* p) {
  return __half2float(__ushort_as_half(*reinterpret_cast<const uint16_t*>(p)));
}

template <uint32_t T>
struct Dq;

template <>
struct Dq<kF32> {
  __device__ static void chunk(const uint8_t* row, int c, float* o) {
    const float4* p = reinterpret_cast<const float4*>(row) + c * 8;
#pragma unroll
    for (int i = 0; i < 8; ++i) {
      const float4 v = p[i];
      o[4 * i] = v.x, o[4 * i + 1] = v.y, o[4 * i + 2] = v.z, o[4 * i + 3] = v.w;
    }
  }
};

template <>
struct Dq<kF16> {
  __device__ static void chunk(const uint8_t* row, int c, float* o) {
    const __half2* p = reinterpret_cast<const __half2*>(row) + c * 16;
#pragma unroll
    for (int i = 0; i < 16; ++i) {
      const float2 v = __half22float2(p[i]);
      o[2 * i] = v.x, o[2 * i + 1] = v.y;
    }
  }
};

template <>
struct Dq<kBF16> {
  __device__ static void chunk(const uint8_t* row, int c, float* o) {
    const uint32_t* p = reinterpret_cast<const uint32_t*>(row) + c * 16;
#pragma unroll
    for (int i = 0; i < 16; ++i) {
      const uint32_t u = p[i];
      o[2 * i] = __uint_as_float(u << 16), o[2 * i + 1] = __uint_as_float(u & 0xFFFF0000u);
    }
  }
};

template <>
struct Dq<kQ4_0> {
  __device__ static void chunk(const uint8_t* row, int c, float* o) {
    const uint8_t* b = row + size_t(c) * 18;
    const float d = load_f16(b);
#pragma unroll
    for (int j = 0; j < 16; ++j) {
      o[j] = float((b[2 + j] & 0xF) - 8) * d;
      o[j + 16] = float((b[2 + j] >> 4) - 8) * d;
    }
  }
};

template <>
struct Dq<kQ4_1> {
  __device__ static void chunk(const uint8_t* row, int c, float* o) {
    const uint8_t* b = row + size_t(c) * 20;
    const float d = load_f16(b), m = load_f16(b + 2);
#pragma unroll
    for (int j = 0; j < 16; ++j) {
      o[j] = float(b[4 + j] & 0xF) * d + m;
      o[j + 16] = float(b[4 + j] >> 4) * d + m;
    }
  }
};

template <>
struct Dq<kQ5_0> {
  __device__ static void chunk(const uint8_t* row, int c, float* o) {
    const uint8_t* b = row + size_t(c) * 22;
    const float d = load_f16(b);
    const uint32_t qh = uint32_t(b[2]) | uint32_t(b[3]) << 8 | uint32_t(b[4]) << 16 | uint32_t(b[5]) << 24;
#pragma unroll
    for (int j = 0; j < 16; ++j) {
      const int x0 = (b[6 + j] & 0xF) | int(((qh >> j) & 1u) << 4);
      const int x1 = (b[6 + j] >> 4) | int(((qh >> (j + 16)) & 1u) << 4);
      o[j] = float(x0 - 16) * d;
      o[j + 16] = float(x1 - 16) * d;
    }
  }
};

template <>
struct Dq<kQ8_0> {
  __device__ static void chunk(const uint8_t* row, int c, float* o) {
    const uint8_t* b = row + size_t(c) * 34;
    const float d = load_f16(b);
    const int8_t* q = reinterpret_cast<const int8_t*>(b + 2);
#pragma unroll
    for (int j = 0; j < 32; ++j) o[j] = float(q[j]) * d;
  }
};

template <>
struct Dq<kQ4_K> {
  // Block: d, dmin (f16), 12 bytes of 6-bit scales/mins, 128 bytes of nibbles. Sub-blocks 2p
  // and 2p + 1 share qs[32p .. 32p + 32): low nibbles, then high.
  __device__ static void chunk(const uint8_t* row, int c, float* o) {
    const uint8_t* b = row + size_t(c / 8) * 144;
    const int j = c % 8;
    const float d = load_f16(b), dmin = load_f16(b + 2);
    uint8_t s, m;
    q4_k_scale_min(j, b + 4, s, m);
    const float d1 = d * float(s), m1 = dmin * float(m);
    const uint8_t* q = b + 16 + 32 * (j / 2);
    const int shift = (j % 2) * 4;
#pragma unroll
    for (int l = 0; l < 32; ++l) o[l] = d1 * float((q[l] >> shift) & 0xF) - m1;
  }
};

template <>
struct Dq<kQ6_K> {
  // Block: ql[128], qh[64], int8 scales[16], d (f16). Each half of 128 values takes 64 ql, 32 qh
  // and 8 scales; its quarter k (32 values) takes ql's low (k = 0, 1) or high (2, 3) nibbles of
  // bytes [32·(k % 2), +32) and qh's bits 2k, 2k + 1.
  __device__ static void chunk(const uint8_t* row, int c, float* o) {
    const uint8_t* b = row + size_t(c / 8) * 210;
    const int half = (c % 8) / 4, k = c % 4;
    const uint8_t* ql = b + 64 * half + 32 * (k % 2);
    const uint8_t* qh = b + 128 + 32 * half;
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192) + 8 * half + 2 * k;
    const float d = load_f16(b + 208);
    const int lshift = (k / 2) * 4, hshift = 2 * k;
#pragma unroll
    for (int l = 0; l < 32; ++l) {
      const int q = ((ql[l] >> lshift) & 0xF) | (((qh[l] >> hshift) & 3) << 4);
      o[l] = d * float(sc[l / 16]) * float(q - 32);
    }
  }
};

// Calls f.template operator()<T>() for the runtime type id; false for an unsupported one.
template <typename F>
bool dispatch_type(uint32_t type, F&& f) {
  switch (type) {
    case kF32: f.template operator()<kF32>(); return true;
    case kF16: f.template operator()<kF16>(); return true;
    case kBF16: f.template operator()<kBF16>(); return true;
    case kQ4_0: f.template operator()<kQ4_0>(); return true;
    case kQ4_1: f.template operator()<kQ4_1>(); return true;
    case kQ5_0: f.template operator()<kQ5_0>(); return true;
    case kQ8_0: f.template operator()<kQ8_0>(); return true;
    case kQ4_K: f.template operator()<kQ4_K>(); return true;
    case kQ6_K: f.template operator()<kQ6_K>(); return true;
    default: return false;
  }
}

}  // namespace rayctl::inference::cuda
