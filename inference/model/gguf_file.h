// GgufFile: a GGUF v2/v3 model file opened read-only through mmap, its metadata key/values and
// its tensor table. Every offset, count and size read from the file is bounds-checked (with
// overflow checks) before use; a bad file raises rayctl::Error(Invalid) naming the file, the
// byte offset and what was wrong. This file does not interpret the metadata (model_config.h and
// tokenizer.h do) and never dequantizes (quant_formats.h does).
#pragma once

#include "inference/kernels/quant_formats.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rayctl::inference {

// GGUF metadata value type tags.
enum class GgufType : uint32_t {
  U8 = 0,
  I8 = 1,
  U16 = 2,
  I16 = 3,
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
  I64 = 11,
  F64 = 12,
};
std::string_view gguf_type_name(GgufType t);  // "u32", "string", "array", ...

// One metadata value. Scalars are decoded; arrays of numbers keep a pointer into the mapped
// file (read element-wise), arrays of strings are views into the mapped file.
class GgufValue {
 public:
  GgufType type() const { return type_; }
  bool is_integer() const;  // u8..i64 (not bool)
  bool is_float() const { return type_ == GgufType::F32 || type_ == GgufType::F64; }
  bool is_array() const { return type_ == GgufType::ARRAY; }

  // Scalar access; nullopt when the value is of another kind (no silent conversions except
  // integer widths, and integers to double in as_double).
  std::optional<int64_t> as_int() const;    // any integer type; u64 above INT64_MAX → nullopt
  std::optional<double> as_double() const;  // f32, f64 or any integer
  std::optional<bool> as_bool() const;
  std::optional<std::string_view> as_string() const;

  // Array access (type() == ARRAY).
  GgufType array_type() const { return array_type_; }
  size_t array_size() const { return array_size_; }
  std::string_view string_at(size_t i) const;  // array of strings
  int64_t int_at(size_t i) const;              // array of integers (or bool)
  double double_at(size_t i) const;            // array of floats or integers
  const GgufValue& array_at(size_t i) const;   // array of arrays

 private:
  friend class GgufParser;
  GgufType type_ = GgufType::U8;
  GgufType array_type_ = GgufType::U8;
  uint64_t u_ = 0;  // integer/bool payload (two's complement for signed)
  double f_ = 0;
  std::string_view s_;
  const uint8_t* array_data_ = nullptr;  // numeric arrays: packed little-endian elements
  size_t array_size_ = 0;
  std::vector<std::string_view> strings_;
  std::vector<GgufValue> nested_;
};

// One tensor of the file. ne[] is in ggml order: ne[0] is the fastest-varying (row length),
// so a HF [out, in] matrix has ne = {in, out}.
struct GgufTensor {
  std::string name;
  GgmlType type = GgmlType::F32;
  std::vector<int64_t> ne;  // 1..4 dims
  uint64_t offset = 0;      // relative to the data section
  uint64_t nbytes = 0;
  const uint8_t* data = nullptr;  // inside the mapping, aligned as the file says

  int64_t n_elements() const;
  int64_t row_len() const { return ne.empty() ? 0 : ne[0]; }
  int64_t n_rows() const { return row_len() ? n_elements() / row_len() : 0; }
  std::string shape_str() const;  // "[576, 49152]"
};

struct MappedBytes;  // the mmap (or an owned copy for from_memory)

class GgufFile {
 public:
  // Maps and parses the file. Throws rayctl::Error (NotFound / Io / Invalid).
  static GgufFile open(const std::string& path);
  // Parses a copy of the given bytes (tests and the fuzzer). `name` is used in messages.
  static GgufFile from_bytes(std::string_view bytes, std::string name = "<memory>");

  GgufFile(GgufFile&&) noexcept;
  GgufFile& operator=(GgufFile&&) noexcept;
  ~GgufFile();

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }

  // Metadata in file order.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }
  const GgufValue* find(std::string_view key) const;
  // Typed getters. Throw rayctl::Error(Invalid) when the key exists with the wrong type;
  // return nullopt when it is absent.
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_double(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::string> get_string(std::string_view key) const;

  const std::vector<GgufTensor>& tensors() const { return tensors_; }
  const GgufTensor* tensor(std::string_view name) const;  // nullptr when absent

 private:
  GgufFile() = default;
  friend class GgufParser;
  std::string path_;
  std::unique_ptr<MappedBytes> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<GgufTensor> tensors_;
  std::unordered_map<std::string, size_t> tensor_index_;
};

}  // namespace rayctl::inference
