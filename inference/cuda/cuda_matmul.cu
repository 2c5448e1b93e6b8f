// Weight × activations on the GPU, reading the weights in their ggml type (cuda_kernels.h).
//  - gemv: up to kGemvMaxBatch tokens (decode). One warp per weight row; each lane dequantizes
//    whole 32-value chunks into registers and dots them with every token's activations, so each
//    weight byte is read once per step. Bandwidth-bound, as batch-1 decode is.
//  - gemm_tiled: more tokens (prefill). 64 rows × 64 tokens per block; each step of 32 along
//    the inner dimension dequantizes one chunk per row into shared memory.
// Not yet here (measure first, on the GPU): tensor-core tiles for prefill, vectorised loads
// of whole blocks per lane group, split-K for the thin matrices.
#include "inference/cuda/cuda_dequant.cuh"
#include "inference/cuda/cuda_kernels.h"

#include <stdexcept>
#include <string>

namespace rayctl::inference::cuda {

namespace {

constexpr int kWarp = 32;
constexpr int kGemvWarps = 8;  // rows per block
constexpr int kTile = 64;
constexpr int kTileThreads = 256;

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
  for (int o = kWarp / 2; o > 0; o /= 2) v += __shfl_xor_sync(0xFFFFFFFFu, v, o);
  return v;
}

__device__ __forceinline__ float dot32(const float* w, const float* x) {
  const float4* xp = reinterpret_cast<const float4*>(x);
  float s = 0;
#pragma unroll
  for (int i = 0; i < 8; ++i) {
    const float4 v = xp[i];
    s += w[4 * i] * v.x + w[4 * i + 1] * v.y + w[4 * i + 2] * v.z + w[4 * i + 3] * v.w;
  }
  return s;
}

template <uint32_t T, int B>
__global__ void gemv_kernel(const uint8_t* __restrict__ w, size_t row_bytes, int rows, int n,
                            const float* __restrict__ x, int n_tok, float* __restrict__ y) {
  const int lane = threadIdx.x % kWarp;
  const int row = blockIdx.x * kGemvWarps + threadIdx.x / kWarp;
  if (row >= rows) return;
  const uint8_t* wr = w + size_t(row) * row_bytes;
  float acc[B];
#pragma unroll
  for (int b = 0; b < B; ++b) acc[b] = 0;
  const int chunks = n / 32;
  for (int c = lane; c < chunks; c += kWarp) {
    float wv[32];
    Dq<T>::chunk(wr, c, wv);
#pragma unroll
    for (int b = 0; b < B; ++b)
      if (b < n_tok) acc[b] += dot32(wv, x + size_t(b) * n + size_t(c) * 32);
  }
#pragma unroll
  for (int b = 0; b < B; ++b) {
    const float s = warp_sum(acc[b]);
    if (lane == 0 && b < n_tok) y[size_t(b) * rows + row] = s;
  }
}

template <uint32_t T>
__global__ void gemm_tiled_kernel(const uint8_t* __restrict__ w, size_t row_bytes, int rows, int n,
                                  const float* __restrict__ x, int n_tok, float* __restrict__ y) {
  __shared__ float ws[kTile][33];
  __shared__ float xs[kTile][33];
  const int r0 = blockIdx.x * kTile, t0 = blockIdx.y * kTile;
  const int tid = threadIdx.x, ty = tid / 16, tx = tid % 16;
  float acc[4][4] = {};
  const int chunks = n / 32;
  for (int c = 0; c < chunks; ++c) {
    if (tid < kTile) {
      float wv[32];
      if (r0 + tid < rows) {
        Dq<T>::chunk(w + size_t(r0 + tid) * row_bytes, c, wv);
      } else {
#pragma unroll
        for (int i = 0; i < 32; ++i) wv[i] = 0;
      }
#pragma unroll
      for (int i = 0; i < 32; ++i) ws[tid][i] = wv[i];
    }
    for (int i = tid; i < kTile * 32; i += kTileThreads) {
      const int t = i / 32, k = i % 32;
      xs[t][k] = t0 + t < n_tok ? x[size_t(t0 + t) * n + size_t(c) * 32 + k] : 0.0f;
    }
    __syncthreads();
#pragma unroll 8
    for (int k = 0; k < 32; ++k) {
      float a[4], b[4];
#pragma unroll
      for (int i = 0; i < 4; ++i) a[i] = ws[ty * 4 + i][k], b[i] = xs[tx * 4 + i][k];
#pragma unroll
      for (int i = 0; i < 4; ++i)
#pragma unroll
        for (int j = 0; j < 4; ++j) acc[i][j] += a[i] * b[j];
    }
    __syncthreads();
  }
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int r = r0 + ty * 4 + i, t = t0 + tx * 4 + j;
      if (r < rows && t < n_tok) y[size_t(t) * rows + r] = acc[i][j];
    }
}

template <uint32_t T>
__global__ void embed_kernel(const uint8_t* __restrict__ w, size_t row_bytes, int n, const int32_t* __restrict__ ids,
                             float* __restrict__ x) {
  const int t = blockIdx.x;
  const uint8_t* row = w + size_t(ids[t]) * row_bytes;
  for (int c = threadIdx.x; c < n / 32; c += blockDim.x) {
    float v[32];
    Dq<T>::chunk(row, c, v);
#pragma unroll
    for (int i = 0; i < 32; ++i) x[size_t(t) * n + size_t(c) * 32 + i] = v[i];
  }
}

void check_launch(const char* what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

}  // namespace

bool matrix_type_supported(uint32_t type) {
  switch (type) {
    case kF32:
    case kF16:
    case kBF16:
    case kQ4_0:
    case kQ4_1:
    case kQ5_0:
    case kQ8_0:
    case kQ4_K:
    case kQ6_K: return true;
    default: return false;
  }
}

void matmul(const DeviceMatrix& m, const float* x, int n_tok, float* y, cudaStream_t s) {
  if (n_tok <= 0) return;
  const auto* w = static_cast<const uint8_t*>(m.data);
  const int rows = static_cast<int>(m.rows), n = static_cast<int>(m.cols);
  const bool ok = dispatch_type(m.type, [&]<uint32_t T>() {
    if (n_tok > kGemvMaxBatch) {
      const dim3 grid((rows + kTile - 1) / kTile, (n_tok + kTile - 1) / kTile);
      gemm_tiled_kernel<T><<<grid, kTileThreads, 0, s>>>(w, m.row_bytes, rows, n, x, n_tok, y);
      return;
    }
    const int blocks = (rows + kGemvWarps - 1) / kGemvWarps, threads = kGemvWarps * kWarp;
    if (n_tok == 1)
      gemv_kernel<T, 1><<<blocks, threads, 0, s>>>(w, m.row_bytes, rows, n, x, n_tok, y);
    else if (n_tok == 2)
      gemv_kernel<T, 2><<<blocks, threads, 0, s>>>(w, m.row_bytes, rows, n, x, n_tok, y);
    else if (n_tok <= 4)
      gemv_kernel<T, 4><<<blocks, threads, 0, s>>>(w, m.row_bytes, rows, n, x, n_tok, y);
    else
      gemv_kernel<T, kGemvMaxBatch><<<blocks, threads, 0, s>>>(w, m.row_bytes, rows, n, x, n_tok, y);
  });
  if (!ok) throw std::invalid_argument("cuda matmul: unsupported weight type " + std::to_string(m.type));
  check_launch("cuda matmul");
}

void embed_rows(const DeviceMatrix& m, const int32_t* ids, int n_tok, float* x, cudaStream_t s) {
  if (n_tok <= 0) return;
  const auto* w = static_cast<const uint8_t*>(m.data);
  const int n = static_cast<int>(m.cols);
  const bool ok =
      dispatch_type(m.type, [&]<uint32_t T>() { embed_kernel<T><<<n_tok, 128, 0, s>>>(w, m.row_bytes, n, ids, x); });
  if (!ok) throw std::invalid_argument("cuda embed: unsupported weight type " + std::to_string(m.type));
  check_launch("cuda embed");
}

}  // namespace rayctl::inference::cuda
