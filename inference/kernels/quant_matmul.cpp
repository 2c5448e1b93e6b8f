// matmul_rows (declared in quant_formats.h): picks the kernel family for this CPU once — the
// AVX-512 VNNI tiles (quant_matmul_avx512.cpp) where the CPU has them, else the AVX2 tiles
// (quant_matmul_tiles.h), else per-row dot products — and adds back the outliers that the
// activation quantizer took out.
#include "inference/kernels/quant_formats.h"
#include "inference/kernels/quant_matmul_isa.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include "inference/kernels/quant_matmul_tiles.h"
#define RAYCTL_AVX2_TILES 1
#endif

namespace rayctl::inference {

namespace {

QuantKernelIsa detect_isa() {
#if defined(RAYCTL_AVX2_TILES)
  QuantKernelIsa best = QuantKernelIsa::Avx2;
#if defined(RAYCTL_HAVE_AVX512_TILES)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512vnni"))
    best = QuantKernelIsa::Avx512Vnni;
#endif
  // RAYCTL_CPU_KERNELS=avx2|scalar picks a lesser family (benchmarks, bisecting a difference).
  if (const char* want = std::getenv("RAYCTL_CPU_KERNELS")) {
    if (std::strcmp(want, "avx2") == 0) best = QuantKernelIsa::Avx2;
    if (std::strcmp(want, "scalar") == 0) best = QuantKernelIsa::RowDots;
  }
  return best;
#else
  return QuantKernelIsa::RowDots;
#endif
}

std::atomic<int>& active_isa() {
  static std::atomic<int> isa{static_cast<int>(detect_isa())};
  return isa;
}

}  // namespace

void matmul_outliers(GgmlType t, const void* weights, int64_t n, int64_t row_begin, int64_t row_end, int64_t batch,
                     float* y, int64_t y_stride, const Q8Outliers& outliers) {
  const size_t row_bytes = ggml_row_bytes(t, n);
  const auto* w = static_cast<const uint8_t*>(weights);
  for (int64_t b = 0; b < batch; ++b) {
    const int32_t count = outliers.counts[b];
    if (count == 0) continue;
    const Q8Outlier* o = outliers.items + b * outliers.stride;
    for (int64_t r = row_begin; r < row_end; ++r) {
      const uint8_t* row = w + size_t(r) * row_bytes;
      float add = 0;
      for (int32_t k = 0; k < count; ++k) add += weight_element(t, row, o[k].index) * o[k].value;
      y[b * y_stride + r] += add;
    }
  }
}

QuantKernelIsa quant_kernel_family() {
  return static_cast<QuantKernelIsa>(active_isa().load(std::memory_order_relaxed));
}

bool set_quant_kernel_family(QuantKernelIsa isa) {
  if (static_cast<int>(isa) > static_cast<int>(detect_isa())) return false;
  active_isa().store(static_cast<int>(isa), std::memory_order_relaxed);
  return true;
}

const char* quant_kernel_isa() {
  switch (quant_kernel_family()) {
    case QuantKernelIsa::Avx512Vnni: return "avx512-vnni";
    case QuantKernelIsa::Avx2: return "avx2";
    default:
#if defined(__AVX2__)
      return "avx2-rows";
#else
      return "scalar";
#endif
  }
}

void matmul_rows(GgmlType t, const void* weights, int64_t n, int64_t row_begin, int64_t row_end, const float* xf,
                 const BlockQ8Act* xq, int64_t batch, float* y, int64_t y_stride, const Q8Outliers* outliers) {
  const size_t row_bytes = ggml_row_bytes(t, n);
  const auto* w = static_cast<const uint8_t*>(weights);
  if (!ggml_type_uses_q8_activations(t)) {
    for (int64_t r = row_begin; r < row_end; ++r)
      for (int64_t b = 0; b < batch; ++b)
        y[b * y_stride + r] = vec_dot_f32(t, w + size_t(r) * row_bytes, xf + b * n, n);
    return;
  }
  bool tiled = false;
  switch (quant_kernel_family()) {
#if defined(RAYCTL_HAVE_AVX512_TILES)
    case QuantKernelIsa::Avx512Vnni:
      tiled = matmul_q8_avx512vnni(t, weights, n, row_begin, row_end, xq, batch, y, y_stride);
      break;
#endif
#if defined(RAYCTL_AVX2_TILES)
    case QuantKernelIsa::Avx2:
      tiled = tiled_matmul_q8<Avx2Isa>(t, weights, n, row_begin, row_end, xq, batch, y, y_stride);
      break;
#endif
    default: break;
  }
  if (!tiled) {
    const int64_t nblocks = n / kQ8ActBlock;
    for (int64_t r = row_begin; r < row_end; ++r)
      for (int64_t b = 0; b < batch; ++b)
        y[b * y_stride + r] = vec_dot_q8(t, w + size_t(r) * row_bytes, xq + b * nblocks, n);
  }
  if (outliers) matmul_outliers(t, weights, n, row_begin, row_end, batch, y, y_stride, *outliers);
}

}  // namespace rayctl::inference
