// Quantized tensor formats shared by the model readers, the CPU backend and the tests: the
// ggml type ids and block layouts (byte-exact with ggml), scalar dequantization of a row, the
// Q8 activation format, and row dot-product kernels (AVX2 when compiled with __AVX2__, scalar
// otherwise). One definition here so that the engine and the tests agree on every bit.
// This file does not know about files, tensor names or models.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

// Functions marked so are compiled for the GPU too where nvcc includes this header (cuda/).
#ifdef __CUDACC__
#define RAYCTL_HOST_DEVICE __host__ __device__
#else
#define RAYCTL_HOST_DEVICE
#endif

namespace rayctl::inference {

// ggml_type ids as stored in GGUF tensor infos. Only the ones listed in is_supported() can be
// read; the others are named so that error messages can say what a file contains.
enum class GgmlType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  BF16 = 30,
};

// Layout facts of one type: a block of `block_elems` values takes `block_bytes` bytes.
struct GgmlTypeInfo {
  std::string_view name;  // "Q4_1", as ggml spells it
  int block_elems = 0;
  int block_bytes = 0;
  bool supported = false;  // this build can dequantize / dot it
};

// nullptr for an id ggml does not define.
const GgmlTypeInfo* ggml_type_info(uint32_t type_id);
std::string_view ggml_type_name(GgmlType t);  // "unknown" if not defined
bool ggml_type_supported(GgmlType t);
// Bytes of a row of n elements; 0 if n is not a multiple of the block size or the type is unknown.
size_t ggml_row_bytes(GgmlType t, int64_t n);

// Block structs, byte-identical to ggml-common.h.
inline constexpr int kQK4_0 = 32, kQK4_1 = 32, kQK5_0 = 32, kQK8_0 = 32, kQK_K = 256;
struct BlockQ4_0 {
  uint16_t d;
  uint8_t qs[16];
};
struct BlockQ4_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qs[16];
};
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];
  uint8_t qs[16];
};
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[32];
};
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qs[128];
};
struct BlockQ6_K {
  uint8_t ql[128];
  uint8_t qh[64];
  int8_t scales[16];
  uint16_t d;
};
static_assert(sizeof(BlockQ4_0) == 18 && sizeof(BlockQ4_1) == 20 && sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ8_0) == 34 && sizeof(BlockQ4_K) == 144 && sizeof(BlockQ6_K) == 210);

// Q4_K: the 6-bit scale and min of sub-block j (0..7), unpacked from a block's 12 scale bytes.
RAYCTL_HOST_DEVICE inline void q4_k_scale_min(int j, const uint8_t* scales, uint8_t& sc, uint8_t& m) {
  if (j < 4) {
    sc = scales[j] & 63;
    m = scales[j + 4] & 63;
  } else {
    sc = uint8_t((scales[j + 4] & 0xF) | ((scales[j - 4] >> 6) << 4));
    m = uint8_t((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
  }
}

// IEEE half / bfloat16 conversions (round-to-nearest-even on the way down). Quantizing weights
// (and float → bfloat16) is only for building test data: tests/inference/support/.
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);
inline float bf16_to_fp32(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}

// The errors of the row functions below: an unsupported type for `what`; a row of n elements
// that is not a whole number of t's blocks. Both throw std::invalid_argument.
[[noreturn]] void throw_unsupported_type(GgmlType t, const char* what);
void check_whole_blocks(GgmlType t, int64_t n);

// Dequantizes n values (n a multiple of the block size) of a supported type into dst.
// Throws std::invalid_argument for an unsupported type or a ragged n.
void dequantize_row(GgmlType t, const void* src, float* dst, int64_t n);

// An activation vector quantized to int8 in blocks of 32: x[i] ≈ d·qs[i]; `sum` = d·Σqs
// (used by types with an offset/min, Q4_1 and Q4_K). 32-wide blocks fit every weight type here.
struct BlockQ8Act {
  float d;
  float sum;
  int8_t qs[32];
};
inline constexpr int kQ8ActBlock = 32;
// Quantizes n floats (n a multiple of 32) into n/32 blocks.
void quantize_activation_q8(const float* x, int64_t n, BlockQ8Act* out);

// "Massive activations": a few channels of Llama-family hidden states are hundreds or thousands
// of times larger than the rest (SmolLM2's FFN has ~3000 beside ~0.1). Quantized with its
// block of 32, such a value flattens the other 31 to zero. So the largest value of a block is
// taken out, repeatedly (up to kQ8MaxOutliersPerBlock), while it exceeds kQ8OutlierRatio × the
// block's next largest: the block is quantized without them and the matmul adds w[index]·value
// exactly.
struct Q8Outlier {
  int32_t index;
  float value;
};
inline constexpr float kQ8OutlierRatio = 4.0f;
inline constexpr int kQ8MaxOutliersPerBlock = 4;
// The outliers of a batch of vectors: vector b's are items[b·stride, b·stride + counts[b]).
struct Q8Outliers {
  const Q8Outlier* items = nullptr;
  const int32_t* counts = nullptr;
  int64_t stride = 0;
};
// quantize_activation_q8 with outliers taken out (at most kQ8MaxOutliersPerBlock per block, so
// `outliers` needs room for that many per 32 values); returns how many were written.
int quantize_activation_q8_outliers(const float* x, int64_t n, BlockQ8Act* out, Q8Outlier* outliers);
// Element i of a weight row of type t, dequantized.
float weight_element(GgmlType t, const void* row, int64_t i);

// True for the types whose fast kernel takes Q8 activations (Q4_0, Q4_1, Q5_0, Q8_0, Q4_K, Q6_K);
// false for F32/F16/BF16, which take f32 activations.
bool ggml_type_uses_q8_activations(GgmlType t);

// Dot product of one weight row (n elements of type t) with an f32 vector. Works for every
// supported type; for the quantized ones it is exact (dequantize-then-dot) and slower than
// vec_dot_q8. Throws std::invalid_argument on an unsupported type.
float vec_dot_f32(GgmlType t, const void* row, const float* x, int64_t n);

// Dot product of one quantized weight row with a Q8 activation vector (n/32 blocks), using
// integer arithmetic (AVX2 when available). Only for ggml_type_uses_q8_activations(t).
float vec_dot_q8(GgmlType t, const void* row, const BlockQ8Act* x, int64_t n);
// The same with the portable scalar kernels (tests compare the two; also the fallback).
float vec_dot_q8_scalar(GgmlType t, const void* row, const BlockQ8Act* x, int64_t n);

// y[b * y_stride + r] = row r of W · x_b for r in [row_begin, row_end) and b in [0, batch).
// W is `rows` rows of n elements, row r at weights + r * ggml_row_bytes(t, n). For q8 types
// xq holds batch vectors of n/32 blocks each (vector b at xq + b * n/32); otherwise xf holds
// batch f32 vectors of n values (vector b at xf + b * n). Loops rows outermost so that each
// weight row is read once for the whole batch. `outliers` (q8 types, optional): the values
// quantize_activation_q8_outliers took out of xq, added back exactly.
void matmul_rows(GgmlType t, const void* weights, int64_t n, int64_t row_begin, int64_t row_end, const float* xf,
                 const BlockQ8Act* xq, int64_t batch, float* y, int64_t y_stride, const Q8Outliers* outliers = nullptr);

// The outliers' part of matmul_rows alone: y[b·y_stride + r] += Σ W[r][index]·value over
// vector b's outliers (for kernels that take the quantized part elsewhere).
void matmul_outliers(GgmlType t, const void* weights, int64_t n, int64_t row_begin, int64_t row_end, int64_t batch,
                     float* y, int64_t y_stride, const Q8Outliers& outliers);

// Which kernel family runs: "avx512-vnni", "avx2" (tiled), "avx2-rows" or "scalar".
const char* quant_kernel_isa();

}  // namespace rayctl::inference
