// The CUDA matmul and embedding kernels against the CPU's exact dequantization, for every weight
// type the GPU reads and for the batch sizes that pick each kernel (1, 2-4, 5-8: the warp-per-row
// GEMV; 9+: the shared-memory tiles), on row counts that are not multiples of the tile. Needs a
// GPU: skipped with the reason otherwise (CI compiles it; bench/cuda/device_check.sh runs it).
#include <gtest/gtest.h>

#ifdef RAYCTL_HAVE_CUDA
#include "inference/cuda/cuda_backend.h"
#include "inference/cuda/cuda_device.h"
#include "inference/cuda/cuda_kernels.h"
#include "inference/kernels/quant_formats.h"
#include "tests/inference/support/reference_quantizers.h"

#include <cmath>
#include <random>
#include <vector>

namespace rayctl::inference {
namespace {

namespace cu = rayctl::inference::cuda;

#define SKIP_WITHOUT_GPU()                                                                    \
  do {                                                                                        \
    if (const std::string why = cuda_unavailable_reason(); !why.empty()) GTEST_SKIP() << why; \
  } while (0)

struct QuantMatrix {
  GgmlType type;
  int64_t rows, cols;
  std::vector<uint8_t> bytes;
  size_t row_bytes() const { return ggml_row_bytes(type, cols); }
};

QuantMatrix random_matrix(GgmlType t, int64_t rows, int64_t cols, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> nd(0.0f, 0.5f);
  QuantMatrix m{t, rows, cols, {}};
  m.bytes.resize(m.row_bytes() * rows);
  std::vector<float> row(static_cast<size_t>(cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (auto& v : row) v = nd(rng);
    quantize_row(t, row.data(), m.bytes.data() + r * m.row_bytes(), cols);
  }
  return m;
}

std::vector<float> device_to_host(const cu::DeviceBuffer& b, size_t n) {
  std::vector<float> out(n);
  cu::check(cudaMemcpy(out.data(), b.get(), n * sizeof(float), cudaMemcpyDeviceToHost), "copy back");
  return out;
}

cu::DeviceBuffer host_to_device(const void* p, size_t bytes) {
  cu::DeviceBuffer b(bytes);
  cu::check(cudaMemcpy(b.get(), p, bytes, cudaMemcpyHostToDevice), "copy");
  return b;
}

const GgmlType kTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                           GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q6_K};

TEST(CudaKernels, MatmulMatchesTheCpuDequantizationForEveryTypeAndBatch) {
  SKIP_WITHOUT_GPU();
  const int64_t rows = 100, cols = 512;  // 100: not a multiple of the 64-row tile or the 8-row GEMV block
  for (GgmlType t : kTypes) {
    const QuantMatrix m = random_matrix(t, rows, cols, 7u + static_cast<uint32_t>(t));
    const cu::DeviceBuffer w = host_to_device(m.bytes.data(), m.bytes.size());
    const cu::DeviceMatrix dm{static_cast<uint32_t>(t), w.get(), rows, cols, m.row_bytes()};
    for (int batch : {1, 2, 3, 5, 8, 9, 70}) {
      std::mt19937 rng(static_cast<uint32_t>(batch));
      std::uniform_real_distribution<float> ud(-1.0f, 1.0f);
      std::vector<float> x(static_cast<size_t>(batch * cols));
      for (auto& v : x) v = ud(rng);
      const cu::DeviceBuffer dx = host_to_device(x.data(), x.size() * sizeof(float));
      cu::DeviceBuffer dy(static_cast<size_t>(batch * rows) * sizeof(float));
      cu::matmul(dm, dx.as<float>(), batch, dy.as<float>(), nullptr);
      cu::check(cudaDeviceSynchronize(), "matmul");
      const std::vector<float> y = device_to_host(dy, static_cast<size_t>(batch * rows));
      for (int b = 0; b < batch; ++b)
        for (int64_t r = 0; r < rows; ++r) {
          const float want = vec_dot_f32(t, m.bytes.data() + r * m.row_bytes(), x.data() + b * cols, cols);
          ASSERT_NEAR(y[static_cast<size_t>(b * rows + r)], want, 1e-4f * (1.0f + std::fabs(want)) + 2e-4f)
              << ggml_type_name(t) << " batch " << batch << " token " << b << " row " << r;
        }
    }
  }
}

TEST(CudaKernels, EmbeddingRowsAreTheDequantizedRows) {
  SKIP_WITHOUT_GPU();
  const int64_t rows = 40, cols = 256;
  for (GgmlType t : kTypes) {
    const QuantMatrix m = random_matrix(t, rows, cols, 99u);
    const cu::DeviceBuffer w = host_to_device(m.bytes.data(), m.bytes.size());
    const std::vector<int32_t> ids{0, 39, 17, 17, 3};
    const cu::DeviceBuffer did = host_to_device(ids.data(), ids.size() * sizeof(int32_t));
    cu::DeviceBuffer dx(ids.size() * cols * sizeof(float));
    cu::embed_rows({static_cast<uint32_t>(t), w.get(), rows, cols, m.row_bytes()}, did.as<int32_t>(),
                   static_cast<int>(ids.size()), dx.as<float>(), nullptr);
    cu::check(cudaDeviceSynchronize(), "embed");
    const std::vector<float> x = device_to_host(dx, ids.size() * cols);
    std::vector<float> want(static_cast<size_t>(cols));
    for (size_t i = 0; i < ids.size(); ++i) {
      dequantize_row(t, m.bytes.data() + ids[i] * m.row_bytes(), want.data(), cols);
      for (int64_t c = 0; c < cols; ++c)
        ASSERT_EQ(x[i * cols + static_cast<size_t>(c)], want[static_cast<size_t>(c)])
            << ggml_type_name(t) << " token " << ids[i] << " value " << c;
    }
  }
}

}  // namespace
}  // namespace rayctl::inference

#else

TEST(CudaKernels, NeedACudaBuild) { GTEST_SKIP() << "this build has no CUDA backend (RAYCTL_CUDA=OFF or no nvcc)"; }

#endif
