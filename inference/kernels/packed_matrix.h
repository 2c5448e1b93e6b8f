// PackedMatrix: a quantized weight matrix repacked for the CPU backend's matmul. The blocks of
// eight consecutive rows sit side by side, with the eight rows' scales as one vector and the
// quants ordered so that four consecutive values of each row fill one 32-bit lane. One
// activation block, broadcast four values at a time, then meets eight rows per instruction and
// the eight results land in eight lanes: no horizontal sums and no per-block scalar work.
// The bytes are moved, not dequantized: a packed matrix is as large as the file's tensor.
// Built once at load for the Fast precision, for Q4_1 and Q8_0 (what Llama-family GGUF files
// of the legacy types are made of); other types keep the per-row kernels.
#pragma once

#include "inference/kernels/quant_formats.h"
#include "inference/model/weight_view.h"

#include <cstdint>
#include <memory>

namespace rayctl::inference {

inline constexpr int kPackRows = 8;

// Eight rows' block i. qs: for Q4_1, 4 chunks of 32 bytes where byte 4j+b of chunk p holds row
// j's value 4p+b in its low nibble and value 16+4p+b in its high nibble; for Q8_0, 8 chunks of
// 32 bytes where byte 4j+b of chunk g is row j's value 4g+b.
struct BlockQ4_1x8 {
  uint16_t d[8];
  uint16_t m[8];
  uint8_t qs[128];
};
struct BlockQ8_0x8 {
  uint16_t d[8];
  int8_t qs[256];
};
static_assert(sizeof(BlockQ4_1x8) == 8 * sizeof(BlockQ4_1) && sizeof(BlockQ8_0x8) == 8 * sizeof(BlockQ8_0));

class PackedMatrix {
 public:
  // True for a Q4_1 or Q8_0 matrix whose row count is a multiple of kPackRows.
  static bool supports(const WeightView& w);
  explicit PackedMatrix(const WeightView& w);

  GgmlType type() const { return type_; }
  int64_t rows() const { return rows_; }
  int64_t row_len() const { return n_; }
  // The packed blocks of row group g (rows 8g..8g+7): row_len/32 blocks of 8 rows.
  const uint8_t* group(int64_t g) const { return data_.get() + size_t(g) * group_bytes_; }

 private:
  GgmlType type_;
  int64_t rows_, n_;
  size_t group_bytes_;
  std::unique_ptr<uint8_t[]> data_;
};

// y[b·y_stride + r] = row r of W · activation b, for the rows [row_begin, row_end) (multiples
// of kPackRows) and b in [0, batch); xq holds batch vectors of row_len/32 blocks. The same
// numbers as matmul_rows on the unpacked matrix, up to float summation order.
void packed_matmul(const PackedMatrix& w, int64_t row_begin, int64_t row_end, const BlockQ8Act* xq, int64_t batch,
                   float* y, int64_t y_stride, const Q8Outliers* outliers = nullptr);

}  // namespace rayctl::inference
