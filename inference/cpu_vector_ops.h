// Small vector kernels of the CPU backend's forward pass that are not weight matmuls:
// RMSNorm, residual adds, SwiGLU, and the f16/f32 dot and axpy of attention over the KV
// cache. AVX2+FMA+F16C versions are chosen at run time when the CPU has them (the library
// is built for baseline x86-64), with scalar fallbacks.
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
float dot_f32(const float* a, const float* b, int n);
float dot_f16(const float* a, const uint16_t* b, int n);
// y += a · x
void axpy_f32(float a, const float* x, float* y, int n);
void axpy_f16(float a, const uint16_t* x, float* y, int n);
void to_f16(const float* x, uint16_t* out, int n);

}  // namespace rayctl::inference
