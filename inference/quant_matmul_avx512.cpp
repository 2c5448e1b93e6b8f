// The tiled matmul kernels compiled for AVX-512 VNNI (this file alone gets -mavx512vnni etc.;
// quant_matmul.cpp calls it only on a CPU that has them). VPDPBUSD does the u8 × s8 dot of
// four lanes into int32 in one instruction where AVX2 needs maddubs + madd.
#include "inference/quant_matmul_isa.h"

#if defined(RAYCTL_HAVE_AVX512_TILES)
#include "inference/packed_matmul_kernels.h"
#include "inference/quant_matmul_tiles.h"

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

void packed_matmul_avx512vnni(const PackedMatrix& w, int64_t row_begin, int64_t row_end, const BlockQ8Act* xq,
                              int64_t batch, float* y, int64_t y_stride, const Q8Outliers* outliers) {
  packed_matmul_isa<Avx512VnniIsa>(w, row_begin, row_end, xq, batch, y, y_stride, outliers);
}

}  // namespace rayctl::inference
#endif
