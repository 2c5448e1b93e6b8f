// libFuzzer target: arbitrary bytes through the GGUF reader, then through everything a loader
// does with a parsed file (metadata getters, array access, tensor bounds, tokenizer build,
// dequantizing the first row of every tensor). Any crash, sanitizer report or exception other
// than rayctl::Error is a finding.
#include "core/error.h"
#include "inference/kernels/quant_formats.h"
#include "inference/model/gguf_file.h"
#include "inference/tokenizer/tokenizer.h"

#include <cstdint>
#include <string_view>
#include <vector>

using namespace rayctl::inference;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    GgufFile f = GgufFile::from_bytes(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.gguf");
    for (const auto& [key, v] : f.metadata()) {
      (void)v.as_int();
      (void)v.as_double();
      (void)v.as_string();
      if (v.is_array() && v.array_size() > 0) {
        size_t last = v.array_size() - 1;
        if (v.array_type() == GgufType::STRING)
          (void)v.string_at(last);
        else if (v.array_type() == GgufType::ARRAY)
          (void)v.array_at(last);
        else
          (void)v.double_at(last);
      }
    }
    std::vector<float> row;
    for (const GgufTensor& t : f.tensors()) {
      if (!ggml_type_supported(t.type) || t.ne.empty() || t.ne[0] <= 0 || t.ne[0] > (1 << 16) || t.nbytes == 0)
        continue;
      if (t.n_rows() == 0) continue;
      row.resize(size_t(t.ne[0]));
      dequantize_row(t.type, t.data, row.data(), t.ne[0]);  // reads exactly the first row, inside nbytes
    }
    if (f.find("tokenizer.ggml.tokens")) {
      Tokenizer tok = Tokenizer::from_gguf(f);
      auto ids = tok.encode("Hello world! 123 <|im_start|>", true);
      (void)tok.decode(ids);
    }
  } catch (const rayctl::Error&) {
  }
  return 0;
}
