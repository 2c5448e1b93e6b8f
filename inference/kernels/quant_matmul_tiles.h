// Tiled matmul kernels for the CPU backend's hot path: quantized weight rows × Q8 activations,
// for the legacy block types (Q4_0, Q4_1, Q5_0, Q8_0) that Llama-family GGUF files are mostly
// made of. Each weight block is unpacked once and multiplied with up to kMaxTileCols activation
// vectors (a prefill chunk or a batch of decode streams), so batching amortises the unpacking.
//
// This header is included by one translation unit per instruction set (quant_matmul.cpp for
// AVX2, quant_matmul_avx512.cpp for AVX-512 VNNI); everything here has internal linkage so that
// the copies, compiled with different target flags, never stand in for one another. `Isa`
// supplies the one operation that differs: the u8 × s8 dot of 32 lanes into 8 int32 sums.
// Only included where __AVX2__ (and F16C, FMA) are on.
#pragma once

#include "inference/kernels/quant_formats.h"

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace rayctl::inference {
namespace {

constexpr int kMaxTileCols = 4;

inline float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

inline float hsum8(__m256 v) {
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}

// 16 packed bytes → 32 bytes: low nibbles (elements 0..15), then high nibbles (16..31).
inline __m256i unpack_nibbles(const uint8_t* qs) {
  const __m128i t = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  return _mm256_and_si256(_mm256_set_m128i(_mm_srli_epi16(t, 4), t), _mm256_set1_epi8(0x0F));
}

// 32 bits → 32 bytes, 0x10 where the bit is set (Q5_0's fifth bit).
inline __m256i fifth_bits(uint32_t bits) {
  const __m256i shuf =
      _mm256_setr_epi64x(0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303);
  __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32(int(bits)), shuf);
  v = _mm256_or_si256(v, _mm256_set1_epi64x(int64_t(0x7fbfdfeff7fbfdfe)));
  return _mm256_and_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi64x(-1)), _mm256_set1_epi8(0x10));
}

// maddubs pairs then madd: the AVX2 way to a u8 × s8 dot of four lanes into int32 (no overflow
// while u ≤ 128, which every caller keeps). kCols: activation vectors per packed tile (16 ymm
// registers hold two columns' accumulators beside the unpacked weights).
struct Avx2Isa {
  static constexpr int kCols = 2;
  static __m256i dot_u8s8(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
  }
  static __m256i dot(__m256i acc, __m256i u, __m256i s) { return _mm256_add_epi32(acc, dot_u8s8(u, s)); }
};

inline __m256i load_qs(const int8_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }

// The activation vectors of one tile: column c's blocks start at x[c]; its results go to y[c].
struct TileCols {
  const BlockQ8Act* x[kMaxTileCols];
  float* y[kMaxTileCols];
};

// Signed weights (Q4_0, Q5_0, Q8_0 once unpacked): |w| as u8 against x with w's sign.
template <class Isa>
inline __m256i dot_signed(__m256i w_abs, __m256i w, __m256i x) {
  return Isa::dot_u8s8(w_abs, _mm256_sign_epi8(x, w));
}

// Q4_1: unsigned nibbles q and per block y = d·Σq·x + m·Σx, with Σx carried by the activation.
template <class Isa, int NC>
void tile_q4_1(const uint8_t* w, size_t row_bytes, int64_t nb, int64_t r0, int64_t r1, const TileCols& t) {
  for (int64_t r = r0; r < r1; ++r) {
    const auto* b = reinterpret_cast<const BlockQ4_1*>(w + size_t(r) * row_bytes);
    __m256 acc[NC][2];
    float off[NC][2];
    for (int c = 0; c < NC; ++c) acc[c][0] = acc[c][1] = _mm256_setzero_ps(), off[c][0] = off[c][1] = 0;
    int64_t i = 0;
    // Two blocks per iteration into separate accumulators: two dependency chains per column.
    for (; i + 2 <= nb; i += 2) {
      for (int k = 0; k < 2; ++k) {
        const __m256i q = unpack_nibbles(b[i + k].qs);
        const float d = half_to_float(b[i + k].d), m = half_to_float(b[i + k].m);
        for (int c = 0; c < NC; ++c) {
          const BlockQ8Act& xa = t.x[c][i + k];
          const __m256 s = _mm256_cvtepi32_ps(Isa::dot_u8s8(q, load_qs(xa.qs)));
          acc[c][k] = _mm256_fmadd_ps(_mm256_set1_ps(d * xa.d), s, acc[c][k]);
          off[c][k] += m * xa.sum;
        }
      }
    }
    for (; i < nb; ++i) {
      const __m256i q = unpack_nibbles(b[i].qs);
      const float d = half_to_float(b[i].d), m = half_to_float(b[i].m);
      for (int c = 0; c < NC; ++c) {
        const BlockQ8Act& xa = t.x[c][i];
        const __m256 s = _mm256_cvtepi32_ps(Isa::dot_u8s8(q, load_qs(xa.qs)));
        acc[c][0] = _mm256_fmadd_ps(_mm256_set1_ps(d * xa.d), s, acc[c][0]);
        off[c][0] += m * xa.sum;
      }
    }
    for (int c = 0; c < NC; ++c) t.y[c][r] = hsum8(_mm256_add_ps(acc[c][0], acc[c][1])) + off[c][0] + off[c][1];
  }
}

// Q4_0, Q5_0, Q8_0: signed values and one scale per block; `Unpack` turns block i into 32
// signed bytes in element order.
template <class Isa, int NC, class Block, class Unpack>
void tile_signed(const uint8_t* w, size_t row_bytes, int64_t nb, int64_t r0, int64_t r1, const TileCols& t,
                 Unpack unpack) {
  for (int64_t r = r0; r < r1; ++r) {
    const auto* b = reinterpret_cast<const Block*>(w + size_t(r) * row_bytes);
    __m256 acc[NC][2];
    for (int c = 0; c < NC; ++c) acc[c][0] = acc[c][1] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; ++i) {
      const __m256i q = unpack(b[i]);
      const __m256i q_abs = _mm256_sign_epi8(q, q);
      const float d = half_to_float(b[i].d);
      const int k = int(i & 1);
      for (int c = 0; c < NC; ++c) {
        const BlockQ8Act& xa = t.x[c][i];
        const __m256 s = _mm256_cvtepi32_ps(dot_signed<Isa>(q_abs, q, load_qs(xa.qs)));
        acc[c][k] = _mm256_fmadd_ps(_mm256_set1_ps(d * xa.d), s, acc[c][k]);
      }
    }
    for (int c = 0; c < NC; ++c) t.y[c][r] = hsum8(_mm256_add_ps(acc[c][0], acc[c][1]));
  }
}

struct UnpackQ4_0 {
  __m256i operator()(const BlockQ4_0& b) const { return _mm256_sub_epi8(unpack_nibbles(b.qs), _mm256_set1_epi8(8)); }
};
struct UnpackQ5_0 {
  __m256i operator()(const BlockQ5_0& b) const {
    uint32_t qh;
    std::memcpy(&qh, b.qh, 4);
    return _mm256_sub_epi8(_mm256_or_si256(unpack_nibbles(b.qs), fifth_bits(qh)), _mm256_set1_epi8(16));
  }
};
struct UnpackQ8_0 {
  __m256i operator()(const BlockQ8_0& b) const { return load_qs(b.qs); }
};

template <class Isa, int NC>
bool tile_dispatch(GgmlType type, const uint8_t* w, size_t row_bytes, int64_t nb, int64_t r0, int64_t r1,
                   const TileCols& t) {
  switch (type) {
    case GgmlType::Q4_1: tile_q4_1<Isa, NC>(w, row_bytes, nb, r0, r1, t); return true;
    case GgmlType::Q4_0: tile_signed<Isa, NC, BlockQ4_0>(w, row_bytes, nb, r0, r1, t, UnpackQ4_0{}); return true;
    case GgmlType::Q5_0: tile_signed<Isa, NC, BlockQ5_0>(w, row_bytes, nb, r0, r1, t, UnpackQ5_0{}); return true;
    case GgmlType::Q8_0: tile_signed<Isa, NC, BlockQ8_0>(w, row_bytes, nb, r0, r1, t, UnpackQ8_0{}); return true;
    default: return false;
  }
}

// Rows [r0, r1) of W against `batch` activation vectors (xq: vector b at xq + b·n/32), results
// at y[b·y_stride + r]. Columns go in tiles of up to kMaxTileCols; a chunk of rows stays in
// cache across the tiles. False (nothing written) for a type these kernels do not cover.
template <class Isa>
bool tiled_matmul_q8(GgmlType type, const void* weights, int64_t n, int64_t r0, int64_t r1, const BlockQ8Act* xq,
                     int64_t batch, float* y, int64_t y_stride) {
  if (type != GgmlType::Q4_1 && type != GgmlType::Q4_0 && type != GgmlType::Q5_0 && type != GgmlType::Q8_0)
    return false;
  const size_t row_bytes = ggml_row_bytes(type, n);
  const int64_t nb = n / kQ8ActBlock;
  const auto* w = static_cast<const uint8_t*>(weights);
  for (int64_t b0 = 0; b0 < batch; b0 += kMaxTileCols) {
    const int nc = int(batch - b0 < kMaxTileCols ? batch - b0 : kMaxTileCols);
    TileCols t{};
    for (int c = 0; c < nc; ++c) {
      t.x[c] = xq + (b0 + c) * nb;
      t.y[c] = y + (b0 + c) * y_stride;
    }
    switch (nc) {
      case 1: tile_dispatch<Isa, 1>(type, w, row_bytes, nb, r0, r1, t); break;
      case 2: tile_dispatch<Isa, 2>(type, w, row_bytes, nb, r0, r1, t); break;
      case 3: tile_dispatch<Isa, 3>(type, w, row_bytes, nb, r0, r1, t); break;
      default: tile_dispatch<Isa, 4>(type, w, row_bytes, nb, r0, r1, t); break;
    }
  }
  return true;
}

}  // namespace
}  // namespace rayctl::inference
