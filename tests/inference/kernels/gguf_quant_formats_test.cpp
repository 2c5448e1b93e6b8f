// The ggml block formats: quantize → dequantize stays close to the input, and every fast dot
// kernel (AVX2 or scalar, whichever this build has) agrees with dequantize-then-dot.
#include "inference/kernels/quant_formats.h"
#include "tests/inference/support/reference_quantizers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

using namespace rayctl::inference;

namespace {

const GgmlType kQuantTypes[] = {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                                GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q6_K};

std::vector<float> random_vec(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

double rms(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += double(x) * x;
  return std::sqrt(s / double(v.size()));
}

}  // namespace

TEST(GgufQuantFormats, BlockSizesMatchGgml) {
  EXPECT_EQ(ggml_row_bytes(GgmlType::Q4_0, 32), 18u);
  EXPECT_EQ(ggml_row_bytes(GgmlType::Q4_1, 576), 18u * 20u);
  EXPECT_EQ(ggml_row_bytes(GgmlType::Q5_0, 64), 44u);
  EXPECT_EQ(ggml_row_bytes(GgmlType::Q8_0, 32), 34u);
  EXPECT_EQ(ggml_row_bytes(GgmlType::Q4_K, 256), 144u);
  EXPECT_EQ(ggml_row_bytes(GgmlType::Q6_K, 1536), 6u * 210u);
  EXPECT_EQ(ggml_row_bytes(GgmlType::BF16, 3), 6u);
  EXPECT_EQ(ggml_row_bytes(GgmlType::Q4_K, 576), 0u) << "576 is not a multiple of 256";
  EXPECT_EQ(ggml_type_name(GgmlType::Q6_K), "Q6_K");
  EXPECT_FALSE(ggml_type_supported(GgmlType::Q5_1));
  EXPECT_EQ(ggml_type_info(1000), nullptr);
}

TEST(GgufQuantFormats, HalfAndBfloatConversions) {
  for (float f : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1035156e-05f, 5.9604645e-08f, 0.333251953125f})
    EXPECT_EQ(fp16_to_fp32(fp32_to_fp16(f)), f) << f;
  EXPECT_EQ(fp32_to_fp16(1.0f), 0x3C00);
  EXPECT_EQ(fp32_to_fp16(-2.0f), 0xC000);
  EXPECT_TRUE(std::isinf(fp16_to_fp32(fp32_to_fp16(1e6f))));
  EXPECT_EQ(fp32_to_fp16(1.0f + 1.0f / 4096), 0x3C00) << "ties round to even";
  EXPECT_EQ(bf16_to_fp32(fp32_to_bf16(3.0f)), 3.0f);
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
}

TEST(GgufQuantFormats, KnownQ4_1BlockDequantizes) {
  BlockQ4_1 b{};
  b.d = fp32_to_fp16(0.5f);
  b.m = fp32_to_fp16(-1.0f);
  for (int j = 0; j < 16; ++j) b.qs[j] = uint8_t(j | ((15 - j) << 4));
  float y[32];
  dequantize_row(GgmlType::Q4_1, &b, y, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_FLOAT_EQ(y[j], 0.5f * float(j) - 1.0f);
    EXPECT_FLOAT_EQ(y[j + 16], 0.5f * float(15 - j) - 1.0f);
  }
}

TEST(GgufQuantFormats, KnownQ5_0BlockUsesHighBits) {
  BlockQ5_0 b{};
  b.d = fp32_to_fp16(1.0f);
  uint32_t qh = 0x80000001u;  // element 0 and element 31 get the fifth bit
  std::memcpy(b.qh, &qh, 4);
  for (int j = 0; j < 16; ++j) b.qs[j] = 0x00;
  float y[32];
  dequantize_row(GgmlType::Q5_0, &b, y, 32);
  EXPECT_FLOAT_EQ(y[0], 0.0f);    // 16 - 16
  EXPECT_FLOAT_EQ(y[1], -16.0f);  // 0 - 16
  EXPECT_FLOAT_EQ(y[31], 0.0f);
}

TEST(GgufQuantFormats, QuantizeRoundTripIsClose) {
  const int64_t n = 1536;
  std::vector<float> x = random_vec(size_t(n), 1);
  for (GgmlType t : kQuantTypes) {
    std::vector<uint8_t> q(ggml_row_bytes(t, n));
    quantize_row(t, x.data(), q.data(), n);
    std::vector<float> y(static_cast<size_t>(n));
    dequantize_row(t, q.data(), y.data(), n);
    std::vector<float> err(static_cast<size_t>(n));
    for (size_t i = 0; i < err.size(); ++i) err[i] = y[i] - x[i];
    double rel = rms(err) / rms(x);
    double limit = t == GgmlType::Q8_0 ? 0.01 : t == GgmlType::Q6_K ? 0.05 : 0.2;
    EXPECT_LT(rel, limit) << ggml_type_name(t);
  }
}

TEST(GgufQuantFormats, Q8KernelsMatchDequantizeThenDot) {
  const int64_t n = 1536;
  for (uint32_t seed = 0; seed < 8; ++seed) {
    std::vector<float> w = random_vec(size_t(n), 100 + seed, 0.05f), x = random_vec(size_t(n), 200 + seed, 3.0f);
    std::vector<BlockQ8Act> xq(size_t(n / 32));
    quantize_activation_q8(x.data(), n, xq.data());
    std::vector<float> xd(static_cast<size_t>(n));  // the quantized activation, dequantized
    for (int64_t i = 0; i < n; ++i) xd[size_t(i)] = xq[size_t(i / 32)].d * float(xq[size_t(i / 32)].qs[i % 32]);
    for (GgmlType t : kQuantTypes) {
      std::vector<uint8_t> q(ggml_row_bytes(t, n));
      quantize_row(t, w.data(), q.data(), n);
      std::vector<float> wd(static_cast<size_t>(n));
      dequantize_row(t, q.data(), wd.data(), n);
      double ref = 0, mag = 0;
      for (int64_t i = 0; i < n; ++i)
        ref += double(wd[size_t(i)]) * xd[size_t(i)], mag += std::fabs(double(wd[size_t(i)]) * xd[size_t(i)]);
      float fast = vec_dot_q8(t, q.data(), xq.data(), n);
      float scalar = vec_dot_q8_scalar(t, q.data(), xq.data(), n);
      EXPECT_NEAR(fast, ref, 1e-4 * mag + 1e-5) << ggml_type_name(t) << " " << quant_kernel_isa() << " seed " << seed;
      EXPECT_NEAR(scalar, ref, 1e-4 * mag + 1e-5) << ggml_type_name(t) << " scalar seed " << seed;
      // The exact f32 path equals dequantize-then-dot with the unquantized activation.
      double ref_f = 0;
      for (int64_t i = 0; i < n; ++i) ref_f += double(wd[size_t(i)]) * x[size_t(i)];
      EXPECT_NEAR(vec_dot_f32(t, q.data(), x.data(), n), ref_f, 1e-4 * mag + 1e-4) << ggml_type_name(t);
    }
  }
}

TEST(GgufQuantFormats, MatmulRowsFillsEveryRowAndBatch) {
  const int64_t n = 256, rows = 5, batch = 3;
  std::vector<float> w = random_vec(size_t(n * rows), 5, 0.1f), x = random_vec(size_t(n * batch), 6);
  std::vector<uint8_t> q(ggml_row_bytes(GgmlType::Q4_1, n) * rows);
  for (int64_t r = 0; r < rows; ++r)
    quantize_row(GgmlType::Q4_1, w.data() + r * n, q.data() + size_t(r) * ggml_row_bytes(GgmlType::Q4_1, n), n);
  std::vector<BlockQ8Act> xq(size_t(batch * n / 32));
  for (int64_t b = 0; b < batch; ++b) quantize_activation_q8(x.data() + b * n, n, xq.data() + b * n / 32);
  std::vector<float> y(size_t(rows * batch), -1.0f);
  matmul_rows(GgmlType::Q4_1, q.data(), n, 0, rows, nullptr, xq.data(), batch, y.data(), rows);
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t r = 0; r < rows; ++r) {
      const float want = vec_dot_q8(GgmlType::Q4_1, q.data() + size_t(r) * ggml_row_bytes(GgmlType::Q4_1, n),
                                    xq.data() + b * n / 32, n);
      EXPECT_NEAR(y[size_t(b * rows + r)], want, 1e-5f * (1 + std::fabs(want))) << quant_kernel_isa();
    }
  // F32 weights take f32 activations.
  std::vector<float> yf(size_t(rows * batch));
  matmul_rows(GgmlType::F32, w.data(), n, 0, rows, x.data(), nullptr, batch, yf.data(), rows);
  double ref = 0;
  for (int64_t i = 0; i < n; ++i) ref += double(w[size_t(n + i)]) * x[size_t(2 * n + i)];
  EXPECT_NEAR(yf[size_t(2 * rows + 1)], ref, 1e-3);
}

TEST(GgufQuantFormats, RaggedRowsAreRejected) {
  float buf[64] = {};
  EXPECT_THROW(dequantize_row(GgmlType::Q4_0, buf, buf, 33), std::invalid_argument);
  EXPECT_THROW(dequantize_row(GgmlType::Q5_1, buf, buf, 32), std::invalid_argument);
  EXPECT_THROW(quantize_activation_q8(buf, 31, nullptr), std::invalid_argument);
}

// A "massive activation" (one value thousands of times the rest, as in SmolLM2's FFN) must not
// flatten the rest of its Q8 block: it is taken out and added back exactly.
TEST(GgufQuantFormats, OutliersAreKeptOutOfTheirQ8Block) {
  const int64_t n = 1536;
  std::vector<float> x = random_vec(size_t(n), 7, 0.1f), w = random_vec(size_t(n), 8, 0.05f);
  x[40] = 3000.0f;  // alone in its block
  x[999] = 476.0f;  // two in one block
  x[1000] = -35.0f;
  std::vector<uint8_t> q(ggml_row_bytes(GgmlType::Q4_1, n));
  quantize_row(GgmlType::Q4_1, w.data(), q.data(), n);
  std::vector<float> wd(static_cast<size_t>(n));
  dequantize_row(GgmlType::Q4_1, q.data(), wd.data(), n);
  double ref = 0;
  for (int64_t i = 0; i < n; ++i) ref += double(wd[size_t(i)]) * x[size_t(i)];

  std::vector<BlockQ8Act> plain(size_t(n / 32)), split(size_t(n / 32));
  quantize_activation_q8(x.data(), n, plain.data());
  std::vector<Q8Outlier> out(size_t(n / 32 * kQ8MaxOutliersPerBlock));
  int32_t count = quantize_activation_q8_outliers(x.data(), n, split.data(), out.data());
  ASSERT_EQ(count, 3);
  EXPECT_EQ(out[0].index, 40);
  EXPECT_EQ(out[0].value, 3000.0f);
  EXPECT_EQ(out[1].index, 999);
  EXPECT_EQ(out[2].index, 1000);
  for (int k = 0; k < count; ++k)
    EXPECT_EQ(weight_element(GgmlType::Q4_1, q.data(), out[size_t(k)].index), wd[size_t(out[size_t(k)].index)]);

  float y_plain = 0, y_split = 0;
  matmul_rows(GgmlType::Q4_1, q.data(), n, 0, 1, nullptr, plain.data(), 1, &y_plain, 1);
  Q8Outliers o{out.data(), &count, int64_t(out.size())};
  matmul_rows(GgmlType::Q4_1, q.data(), n, 0, 1, nullptr, split.data(), 1, &y_split, 1, &o);
  const double err_plain = std::fabs(y_plain - ref), err_split = std::fabs(y_split - ref);
  EXPECT_LT(err_split, 0.02) << "ref " << ref << " split " << y_split;
  EXPECT_GT(err_plain, 5 * err_split) << "plain " << y_plain << " split " << y_split << " ref " << ref;
  // Other weight types read single elements the same way as dequantize_row.
  for (GgmlType t : kQuantTypes) {
    std::vector<uint8_t> qt(ggml_row_bytes(t, n));
    quantize_row(t, w.data(), qt.data(), n);
    std::vector<float> dt(static_cast<size_t>(n));
    dequantize_row(t, qt.data(), dt.data(), n);
    for (int64_t i : {0L, 31L, 300L, 1535L})
      EXPECT_EQ(weight_element(t, qt.data(), i), dt[size_t(i)]) << ggml_type_name(t);
  }
}
