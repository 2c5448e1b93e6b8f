// Reference quantizers for building test data: float rows into the ggml block formats (ggml's
// rounding for the legacy types, a plain min/max scale search for the K-quants) and float into
// bfloat16. The engine never quantizes weights, so these live with the tests; the formats and the
// dequantization they are checked against are in inference/kernels/quant_formats.h.
#pragma once

#include "inference/kernels/quant_formats.h"

#include <cstdint>

namespace rayctl::inference {

// float → bfloat16, round-to-nearest-even (NaN stays a quiet NaN).
uint16_t fp32_to_bf16(float f);

// Quantizes n values (n a multiple of the block size) of src into dst. Supported: F32, F16,
// BF16, Q4_0, Q4_1, Q5_0, Q8_0, Q4_K, Q6_K. Throws std::invalid_argument otherwise.
void quantize_row(GgmlType t, const float* src, void* dst, int64_t n);

}  // namespace rayctl::inference
