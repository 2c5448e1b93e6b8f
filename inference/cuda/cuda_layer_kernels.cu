// The element-wise and attention kernels of the CUDA backend (cuda_kernels.h): RMSNorm, residual
// adds, biases, SwiGLU, RoPE, the paged f16 KV cache and causal grouped-query attention.
// Attention is one block per (token, query head) with an online softmax over tiles of 128
// positions, so any context length runs in fixed shared memory. Not yet here (measure first):
// split-K (flash-decoding) across blocks for long contexts at small batch, one block serving a
// whole query-head group, and a tensor-core flash attention for prefill chunks.
#include "inference/cuda/cuda_kernels.h"

#include <cuda_fp16.h>

#include <cmath>
#include <stdexcept>
#include <string>

namespace rayctl::inference::cuda {

namespace {

constexpr int kAttnThreads = 128;
constexpr int kMaxHeadDim = 256;

void check_launch(const char* what) {
  const cudaError_t e = cudaGetLastError();
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}

unsigned blocks_for(size_t n, unsigned threads) { return static_cast<unsigned>((n + threads - 1) / threads); }

// Sum (or max) over the block; every thread gets the result. `red` holds one value per warp.
template <bool Max>
__device__ float block_reduce(float v, float* red) {
  for (int o = 16; o > 0; o /= 2) {
    const float u = __shfl_xor_sync(0xFFFFFFFFu, v, o);
    v = Max ? fmaxf(v, u) : v + u;
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, n_warps = blockDim.x / 32;
  __syncthreads();  // red may still be read by a previous call
  if (lane == 0) red[warp] = v;
  __syncthreads();
  float r = red[0];
  for (int i = 1; i < n_warps; ++i) r = Max ? fmaxf(r, red[i]) : r + red[i];
  return r;
}

__global__ void rms_norm_kernel(const float* __restrict__ x, const int32_t* __restrict__ rows,
                                const float* __restrict__ w, float* __restrict__ out, int d, float eps) {
  __shared__ float red[32];
  const int i = blockIdx.x;
  const float* xr = x + size_t(rows ? rows[i] : i) * d;
  float ss = 0;
  for (int j = threadIdx.x; j < d; j += blockDim.x) ss += xr[j] * xr[j];
  ss = block_reduce<false>(ss, red);
  const float r = rsqrtf(ss / float(d) + eps);
  for (int j = threadIdx.x; j < d; j += blockDim.x) out[size_t(i) * d + j] = w[j] * (xr[j] * r);
}

__global__ void add_kernel(float* __restrict__ y, const float* __restrict__ x, size_t n) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) y[i] += x[i];
}

__global__ void bias_kernel(float* __restrict__ y, const float* __restrict__ b, size_t n, int dim) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) y[i] += b[i % dim];
}

__global__ void swiglu_kernel(float* __restrict__ g, const float* __restrict__ u, size_t n) {
  const size_t i = size_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) g[i] = g[i] / (1.0f + expf(-g[i])) * u[i];
}

__global__ void rope_kernel(float* __restrict__ v, int n_heads, int head_dim, RopeArgs r,
                            const int32_t* __restrict__ pos) {
  const int t = blockIdx.x;
  const float* cs = r.cos + size_t(pos[t]) * r.half;
  const float* sn = r.sin + size_t(pos[t]) * r.half;
  for (int k = threadIdx.x; k < n_heads * r.half; k += blockDim.x) {
    const int h = k / r.half, i = k % r.half;
    float* x = v + (size_t(t) * n_heads + h) * head_dim;
    const int a = r.adjacent ? 2 * i : i, b = r.adjacent ? 2 * i + 1 : i + r.half;
    const float x0 = x[a], x1 = x[b];
    x[a] = x0 * cs[i] - x1 * sn[i];
    x[b] = x0 * sn[i] + x1 * cs[i];
  }
}

// Offset in the cache of (block, layer, K=0|V=1, KV head, slot): head_dim values; the CPU
// backend's layout (cpu_attention.cpp), so one head's positions in a block are contiguous.
__device__ __forceinline__ size_t kv_offset(const KvCache& kv, int32_t block, int layer, int which, int head,
                                            int slot) {
  return ((((size_t(block) * kv.n_layers + layer) * 2 + which) * kv.n_kv_heads + head) * kv.block_size + slot) *
         size_t(kv.head_dim);
}

__device__ __forceinline__ const __half* kv_row(const KvCache& kv, const int32_t* table, int layer, int which, int head,
                                                int p) {
  return reinterpret_cast<const __half*>(kv.data) +
         kv_offset(kv, table[p / kv.block_size], layer, which, head, p % kv.block_size);
}

__global__ void store_kv_kernel(KvCache kv, int layer, const float* __restrict__ k, const float* __restrict__ v,
                                StepTokens st) {
  const int t = blockIdx.x;
  const int p = st.pos[t];
  const int32_t block = st.tables[st.table_at[t] + p / kv.block_size];
  const int kvd = kv.n_kv_heads * kv.head_dim;
  __half* cache = reinterpret_cast<__half*>(kv.data);
  for (int i = threadIdx.x; i < kvd; i += blockDim.x) {
    const int h = i / kv.head_dim, e = i % kv.head_dim;
    cache[kv_offset(kv, block, layer, 0, h, p % kv.block_size) + e] = __float2half_rn(k[size_t(t) * kvd + i]);
    cache[kv_offset(kv, block, layer, 1, h, p % kv.block_size) + e] = __float2half_rn(v[size_t(t) * kvd + i]);
  }
}

// One block per (token, query head). Per tile of kAttnThreads positions: each thread scores one
// position, the block updates the running max and sum, and each thread accumulates the values
// of its output dimensions (tid and tid + 128) over the tile.
__global__ void attention_kernel(KvCache kv, int layer, const float* __restrict__ q, float* __restrict__ out,
                                 int n_heads, StepTokens st) {
  __shared__ float qs[kMaxHeadDim];
  __shared__ float prob[kAttnThreads];
  __shared__ float red[32];
  const int t = blockIdx.x, h = blockIdx.y, tid = threadIdx.x;
  const int hd = kv.head_dim, group = n_heads / kv.n_kv_heads, g = h / group;
  const float scale = rsqrtf(float(hd));
  const float* qh = q + (size_t(t) * n_heads + h) * hd;
  for (int i = tid; i < hd; i += blockDim.x) qs[i] = qh[i] * scale;
  __syncthreads();
  const int n_pos = st.pos[t] + 1;
  const int32_t* table = st.tables + st.table_at[t];
  float m = -INFINITY, l = 0, acc0 = 0, acc1 = 0;
  for (int start = 0; start < n_pos; start += kAttnThreads) {
    const int p = start + tid;
    float s = -INFINITY;
    if (p < n_pos) {
      const __half2* k2 = reinterpret_cast<const __half2*>(kv_row(kv, table, layer, 0, g, p));
      float dot = 0;
      for (int i = 0; i < hd / 2; ++i) {
        const float2 kk = __half22float2(k2[i]);
        dot += qs[2 * i] * kk.x + qs[2 * i + 1] * kk.y;
      }
      s = dot;
    }
    const float m_new = fmaxf(m, block_reduce<true>(s, red));
    const float e = p < n_pos ? expf(s - m_new) : 0.0f;
    prob[tid] = e;
    const float corr = expf(m - m_new);  // 0 on the first tile (m = -inf)
    l = l * corr + block_reduce<false>(e, red);
    acc0 *= corr;
    acc1 *= corr;
    m = m_new;
    __syncthreads();
    const int count = min(kAttnThreads, n_pos - start);
    for (int i = 0; i < count; ++i) {
      const __half* vr = kv_row(kv, table, layer, 1, g, start + i);
      if (tid < hd) acc0 += prob[i] * __half2float(vr[tid]);
      if (tid + kAttnThreads < hd) acc1 += prob[i] * __half2float(vr[tid + kAttnThreads]);
    }
    __syncthreads();
  }
  float* o = out + (size_t(t) * n_heads + h) * hd;
  const float inv = 1.0f / l;
  if (tid < hd) o[tid] = acc0 * inv;
  if (tid + kAttnThreads < hd) o[tid + kAttnThreads] = acc1 * inv;
}

}  // namespace

void rms_norm(const float* x, const int32_t* rows, const float* w, float* out, int n_rows, int d, float eps,
              cudaStream_t s) {
  if (n_rows <= 0) return;
  rms_norm_kernel<<<n_rows, 256, 0, s>>>(x, rows, w, out, d, eps);
  check_launch("cuda rms_norm");
}

void add_into(float* y, const float* x, size_t n, cudaStream_t s) {
  if (n == 0) return;
  add_kernel<<<blocks_for(n, 256), 256, 0, s>>>(y, x, n);
  check_launch("cuda add");
}

void add_bias(float* y, const float* bias, int n_tok, int dim, cudaStream_t s) {
  const size_t n = size_t(n_tok) * dim;
  if (n == 0) return;
  bias_kernel<<<blocks_for(n, 256), 256, 0, s>>>(y, bias, n, dim);
  check_launch("cuda bias");
}

void swiglu(float* gate, const float* up, size_t n, cudaStream_t s) {
  if (n == 0) return;
  swiglu_kernel<<<blocks_for(n, 256), 256, 0, s>>>(gate, up, n);
  check_launch("cuda swiglu");
}

void rope(float* v, int n_heads, int head_dim, const RopeArgs& r, const int32_t* pos, int n_tok, cudaStream_t s) {
  if (n_tok <= 0) return;
  rope_kernel<<<n_tok, 128, 0, s>>>(v, n_heads, head_dim, r, pos);
  check_launch("cuda rope");
}

void store_kv(const KvCache& kv, int layer, const float* k, const float* v, const StepTokens& st, cudaStream_t s) {
  if (st.n_tok <= 0) return;
  store_kv_kernel<<<st.n_tok, 128, 0, s>>>(kv, layer, k, v, st);
  check_launch("cuda store_kv");
}

void attention(const KvCache& kv, int layer, const float* q, float* out, int n_heads, const StepTokens& st,
               cudaStream_t s) {
  if (st.n_tok <= 0) return;
  if (kv.head_dim > kMaxHeadDim || kv.head_dim % 2 != 0)
    throw std::invalid_argument("cuda attention: head_dim " + std::to_string(kv.head_dim) +
                                " (even and at most 256 supported)");
  attention_kernel<<<dim3(st.n_tok, n_heads), kAttnThreads, 0, s>>>(kv, layer, q, out, n_heads, st);
  check_launch("cuda attention");
}

}  // namespace rayctl::inference::cuda
