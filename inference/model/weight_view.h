// WeightView: one weight tensor of a model file as the backends and kernels see it (type, shape,
// bytes), apart from model_config.h so that the kernels can take one without knowing about
// models, tokenizers or chat templates.
#pragma once

#include "inference/kernels/quant_formats.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace rayctl::inference {

// One weight tensor as stored, whatever the file format. ne is in ggml order (ne[0] = row
// length = input features of a matrix; ne[1] = rows = output features). data points into the
// mapped file and stays valid while the ModelFile lives.
struct WeightView {
  std::string name;         // uniform (GGUF-style) name, e.g. "blk.3.attn_q.weight"
  std::string source_name;  // name in the file ("model.layers.3.self_attn.q_proj.weight" for HF)
  GgmlType type = GgmlType::F32;
  std::vector<int64_t> ne;
  const void* data = nullptr;
  size_t nbytes = 0;

  int64_t row_len() const { return ne.empty() ? 0 : ne[0]; }
  int64_t n_rows() const {
    int64_t n = 1;
    for (size_t i = 1; i < ne.size(); ++i) n *= ne[i];
    return n;
  }
  size_t row_bytes() const { return ggml_row_bytes(type, row_len()); }
  const uint8_t* row(int64_t r) const { return static_cast<const uint8_t*>(data) + size_t(r) * row_bytes(); }
};

}  // namespace rayctl::inference
