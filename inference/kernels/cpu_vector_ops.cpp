// CPU vector kernels with run-time AVX2/F16C dispatch.
#include "inference/kernels/cpu_vector_ops.h"

#include "inference/kernels/quant_formats.h"

#include <cmath>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define RAYCTL_X86 1
#endif

namespace rayctl::inference {

namespace {

#ifdef RAYCTL_X86
// F16C is read from CPUID leaf 1 (ECX bit 29) directly: clang 14's __builtin_cpu_supports
// does not know "f16c".
bool have_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0;
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && have_f16c();
  return yes;
}

__attribute__((target("avx2,fma,f16c"))) void to_f16_avx2(const float* x, uint16_t* out, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) out[i] = fp32_to_fp16(x[i]);
}
#endif

}  // namespace

void rms_norm_row(const float* x, const float* w, float* out, int n, float eps) {
  double ss = 0;
  for (int i = 0; i < n; ++i) ss += static_cast<double>(x[i]) * x[i];
  const float r = static_cast<float>(1.0 / std::sqrt(ss / n + eps));
  for (int i = 0; i < n; ++i) out[i] = w[i] * (x[i] * r);
}

void add_into(float* y, const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

void swiglu_into(float* gate, const float* up, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float g = gate[i];
    gate[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

void to_f16(const float* x, uint16_t* out, int n) {
#ifdef RAYCTL_X86
  if (have_avx2()) return to_f16_avx2(x, out, n);
#endif
  for (int i = 0; i < n; ++i) out[i] = fp32_to_fp16(x[i]);
}

}  // namespace rayctl::inference
