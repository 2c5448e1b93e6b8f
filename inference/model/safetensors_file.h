// Hugging Face safetensors: SafetensorsFile is one mmapped .safetensors file (8-byte header
// length, JSON header, raw data); SafetensorsCheckpoint is a model directory with config.json and
// either one model.safetensors or shards listed in model.safetensors.index.json. Every offset and
// size in the header is checked against the file and the dtype/shape. This file does not map
// HF tensor names to model roles (model_config.h does).
#pragma once

#include "inference/kernels/quant_formats.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rayctl::inference {

// One tensor. shape is row-major, outermost first (PyTorch order, no reversal).
struct SafetensorsTensor {
  std::string name;
  std::string dtype;  // "BF16", "F16", "F32", "I64", ...
  std::vector<int64_t> shape;
  const uint8_t* data = nullptr;
  uint64_t nbytes = 0;
  std::string file;  // which shard holds it

  int64_t n_elements() const;
  std::string shape_str() const;  // "[49152, 576]"
};

// Element size of a safetensors dtype; 0 for an unknown dtype.
size_t safetensors_dtype_size(std::string_view dtype);
// The ggml type with the same in-memory layout (F32, F16, BF16); nullopt-like false otherwise.
bool safetensors_dtype_to_ggml(std::string_view dtype, GgmlType& out);

struct MappedBytes;

class SafetensorsFile {
 public:
  // Throws rayctl::Error (NotFound / Io / Invalid naming the file and the tensor).
  static SafetensorsFile open(const std::string& path);
  static SafetensorsFile from_bytes(std::string_view bytes, std::string name = "<memory>");

  SafetensorsFile(SafetensorsFile&&) noexcept;
  SafetensorsFile& operator=(SafetensorsFile&&) noexcept;
  ~SafetensorsFile();

  const std::string& path() const { return path_; }
  const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(std::string_view name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  SafetensorsFile() = default;
  void parse();
  std::string path_;
  std::unique_ptr<MappedBytes> bytes_;
  std::vector<SafetensorsTensor> tensors_;
  std::unordered_map<std::string, size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// A HF checkpoint directory: config.json + weights (single file or sharded) and, when present,
// tokenizer.json / tokenizer_config.json / generation_config.json / chat_template.jinja.
class SafetensorsCheckpoint {
 public:
  // dir must contain config.json and model.safetensors or model.safetensors.index.json.
  static SafetensorsCheckpoint open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const nlohmann::json& config() const { return config_; }
  const SafetensorsTensor* find(std::string_view name) const;  // across all shards

 private:
  std::string dir_;
  nlohmann::json config_;
  std::vector<SafetensorsFile> shards_;
  std::unordered_map<std::string, std::pair<size_t, size_t>> index_;  // name → (shard, tensor)
};

}  // namespace rayctl::inference
