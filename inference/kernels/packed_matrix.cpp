// PackedMatrix (packed_matrix.h): repacking at load, and the matmul over it — the AVX-512 VNNI
// or AVX2 kernels of packed_matmul_kernels.h, or a portable scalar loop.
#include "inference/kernels/packed_matrix.h"

#include "inference/kernels/quant_matmul_isa.h"

#include <cstring>
#include <stdexcept>

#if defined(__AVX2__) && defined(__FMA__) && defined(__F16C__)
#include "inference/kernels/packed_matmul_kernels.h"
#include "inference/kernels/quant_matmul_tiles.h"
#define RAYCTL_AVX2_PACKED 1
#endif

namespace rayctl::inference {

namespace {

// Q4_1 value e (0..31) of a block: low nibbles hold 0..15, high nibbles 16..31.
inline uint8_t q4_1_value(const BlockQ4_1& b, int e) { return e < 16 ? b.qs[e] & 0xF : b.qs[e - 16] >> 4; }

void pack_q4_1(const BlockQ4_1* const rows[kPackRows], int64_t nb, BlockQ4_1x8* out) {
  for (int64_t i = 0; i < nb; ++i) {
    BlockQ4_1x8& o = out[i];
    for (int j = 0; j < kPackRows; ++j) {
      const BlockQ4_1& b = rows[j][i];
      o.d[j] = b.d;
      o.m[j] = b.m;
      for (int p = 0; p < 4; ++p)
        for (int k = 0; k < 4; ++k)
          o.qs[32 * p + 4 * j + k] = uint8_t(q4_1_value(b, 4 * p + k) | q4_1_value(b, 16 + 4 * p + k) << 4);
    }
  }
}

void pack_q8_0(const BlockQ8_0* const rows[kPackRows], int64_t nb, BlockQ8_0x8* out) {
  for (int64_t i = 0; i < nb; ++i) {
    BlockQ8_0x8& o = out[i];
    for (int j = 0; j < kPackRows; ++j) {
      const BlockQ8_0& b = rows[j][i];
      o.d[j] = b.d;
      for (int g = 0; g < 8; ++g)
        for (int k = 0; k < 4; ++k) o.qs[32 * g + 4 * j + k] = b.qs[4 * g + k];
    }
  }
}

// The reference: reads the packed layout back value by value.
void packed_matmul_scalar(const PackedMatrix& w, int64_t row_begin, int64_t row_end, const BlockQ8Act* xq,
                          int64_t batch, float* y, int64_t y_stride) {
  const int64_t nb = w.row_len() / kQ8ActBlock;
  for (int64_t g = row_begin / kPackRows; g < row_end / kPackRows; ++g) {
    for (int64_t b = 0; b < batch; ++b) {
      const BlockQ8Act* x = xq + b * nb;
      for (int j = 0; j < kPackRows; ++j) {
        float acc = 0;
        for (int64_t i = 0; i < nb; ++i) {
          int s = 0;
          if (w.type() == GgmlType::Q4_1) {
            const auto& blk = reinterpret_cast<const BlockQ4_1x8*>(w.group(g))[i];
            for (int p = 0; p < 4; ++p)
              for (int k = 0; k < 4; ++k) {
                const uint8_t v = blk.qs[32 * p + 4 * j + k];
                s += (v & 0xF) * x[i].qs[4 * p + k] + (v >> 4) * x[i].qs[16 + 4 * p + k];
              }
            acc += fp16_to_fp32(blk.d[j]) * x[i].d * float(s) + fp16_to_fp32(blk.m[j]) * x[i].sum;
          } else {
            const auto& blk = reinterpret_cast<const BlockQ8_0x8*>(w.group(g))[i];
            for (int e = 0; e < 32; ++e) s += blk.qs[32 * (e / 4) + 4 * j + e % 4] * x[i].qs[e];
            acc += fp16_to_fp32(blk.d[j]) * x[i].d * float(s);
          }
        }
        y[b * y_stride + g * kPackRows + j] = acc;
      }
    }
  }
}

// Element e of packed row 8g+j, read back from the packed layout.
float packed_element(const PackedMatrix& w, int64_t g, int j, int e) {
  const int i = e / 32, r = e % 32;
  if (w.type() == GgmlType::Q4_1) {
    const auto& b = reinterpret_cast<const BlockQ4_1x8*>(w.group(g))[i];
    const uint8_t v = b.qs[32 * ((r % 16) / 4) + 4 * j + r % 4];
    return fp16_to_fp32(b.d[j]) * float(r >= 16 ? v >> 4 : v & 0xF) + fp16_to_fp32(b.m[j]);
  }
  const auto& b = reinterpret_cast<const BlockQ8_0x8*>(w.group(g))[i];
  return fp16_to_fp32(b.d[j]) * float(b.qs[32 * (r / 4) + 4 * j + r % 4]);
}

void matmul_outliers_packed_scalar(const PackedMatrix& w, int64_t row_begin, int64_t row_end, int64_t batch, float* y,
                                   int64_t y_stride, const Q8Outliers& o) {
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t r = row_begin; r < row_end; ++r)
      for (int32_t k = 0; k < o.counts[b]; ++k)
        y[b * y_stride + r] += packed_element(w, r / kPackRows, int(r % kPackRows), o.items[b * o.stride + k].index) *
                               o.items[b * o.stride + k].value;
}

}  // namespace

bool PackedMatrix::supports(const WeightView& w) {
  return (w.type == GgmlType::Q4_1 || w.type == GgmlType::Q8_0) && w.row_len() % kQ8ActBlock == 0 && w.n_rows() > 0 &&
         w.n_rows() % kPackRows == 0;
}

PackedMatrix::PackedMatrix(const WeightView& w) : type_(w.type), rows_(w.n_rows()), n_(w.row_len()) {
  if (!supports(w)) throw std::invalid_argument("PackedMatrix: " + w.name + " is not a packable Q4_1/Q8_0 matrix");
  const int64_t nb = n_ / kQ8ActBlock;
  group_bytes_ = size_t(nb) * (type_ == GgmlType::Q4_1 ? sizeof(BlockQ4_1x8) : sizeof(BlockQ8_0x8));
  data_ = std::make_unique<uint8_t[]>(group_bytes_ * size_t(rows_ / kPackRows));
  for (int64_t g = 0; g < rows_ / kPackRows; ++g) {
    uint8_t* out = data_.get() + size_t(g) * group_bytes_;
    if (type_ == GgmlType::Q4_1) {
      const BlockQ4_1* rows[kPackRows];
      for (int j = 0; j < kPackRows; ++j) rows[j] = reinterpret_cast<const BlockQ4_1*>(w.row(g * kPackRows + j));
      pack_q4_1(rows, nb, reinterpret_cast<BlockQ4_1x8*>(out));
    } else {
      const BlockQ8_0* rows[kPackRows];
      for (int j = 0; j < kPackRows; ++j) rows[j] = reinterpret_cast<const BlockQ8_0*>(w.row(g * kPackRows + j));
      pack_q8_0(rows, nb, reinterpret_cast<BlockQ8_0x8*>(out));
    }
  }
}

void packed_matmul(const PackedMatrix& w, int64_t row_begin, int64_t row_end, const BlockQ8Act* xq, int64_t batch,
                   float* y, int64_t y_stride, const Q8Outliers* outliers) {
  if (row_begin % kPackRows != 0 || row_end % kPackRows != 0 || row_end > w.rows())
    throw std::invalid_argument("packed_matmul: rows must be whole groups of 8 inside the matrix");
  switch (quant_kernel_family()) {
#if defined(RAYCTL_HAVE_AVX512_TILES)
    case QuantKernelIsa::Avx512Vnni:
      return packed_matmul_avx512vnni(w, row_begin, row_end, xq, batch, y, y_stride, outliers);
#endif
#if defined(RAYCTL_AVX2_PACKED)
    case QuantKernelIsa::Avx2:
      return packed_matmul_isa<Avx2Isa>(w, row_begin, row_end, xq, batch, y, y_stride, outliers);
#endif
    default:
      packed_matmul_scalar(w, row_begin, row_end, xq, batch, y, y_stride);
      if (outliers) matmul_outliers_packed_scalar(w, row_begin, row_end, batch, y, y_stride, *outliers);
  }
}

}  // namespace rayctl::inference
