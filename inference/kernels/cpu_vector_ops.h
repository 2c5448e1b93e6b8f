// Small vector kernels of the CPU backend's forward pass that are not weight matmuls:
// RMSNorm, residual adds, SwiGLU, and the f32 → f16 conversion of new KV entries (AVX2+F16C
// chosen at run time, scalar fallback). Attention's dot and axpy over the cache are inline
// (cpu_vector_inline.h), where they run once per cached position.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rayctl::inference {

// out = x / sqrt(mean(x²) + eps) · w
void rms_norm_row(const float* x, const float* w, float* out, int n, float eps);
// y += x
void add_into(float* y, const float* x, size_t n);
// gate = silu(gate) · up
void swiglu_into(float* gate, const float* up, size_t n);
// out = x rounded to IEEE half
void to_f16(const float* x, uint16_t* out, int n);

}  // namespace rayctl::inference
