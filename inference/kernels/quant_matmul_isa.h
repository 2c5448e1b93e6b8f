// Which family of matmul kernels the CPU backend runs, chosen once from the CPU's features
// (quant_matmul.cpp). Tests and benchmarks may step down to a lesser family to compare them.
#pragma once

#include "inference/kernels/quant_formats.h"

#include <cstdint>

namespace rayctl::inference {

// Ordered: each family needs a superset of the previous one's instructions.
enum class QuantKernelIsa : int {
  RowDots = 0,     // one vec_dot_q8 per (row, vector): AVX2 or scalar, whatever the build has
  Avx2 = 1,        // tiles of up to 4 vectors per weight block, u8×s8 through maddubs
  Avx512Vnni = 2,  // the same tiles with VPDPBUSD (AVX-512 VNNI on 256-bit lanes)
};

QuantKernelIsa quant_kernel_family();
// Switches families for the whole process; false (unchanged) if this CPU or build lacks it.
bool set_quant_kernel_family(QuantKernelIsa isa);

#if defined(RAYCTL_HAVE_AVX512_TILES)
// quant_matmul_avx512.cpp: tiled_matmul_q8 compiled for AVX-512 VNNI.
bool matmul_q8_avx512vnni(GgmlType type, const void* weights, int64_t n, int64_t r0, int64_t r1, const BlockQ8Act* xq,
                          int64_t batch, float* y, int64_t y_stride);
class PackedMatrix;
void packed_matmul_avx512vnni(const PackedMatrix& w, int64_t row_begin, int64_t row_end, const BlockQ8Act* xq,
                              int64_t batch, float* y, int64_t y_stride, const Q8Outliers* outliers);
#endif

}  // namespace rayctl::inference
