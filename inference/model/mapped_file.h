// MappedBytes: the read-only bytes of a model file, either mmapped from disk or an owned copy
// (tests, fuzzing). Shared by the GGUF and safetensors readers; knows nothing about formats.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace rayctl::inference {

struct MappedBytes {
  // Maps `path` read-only. Throws rayctl::Error NotFound / Io naming the path.
  static MappedBytes* map_file(const std::string& path);
  static MappedBytes* copy_of(std::string_view bytes);
  ~MappedBytes();

  const uint8_t* data = nullptr;
  size_t size = 0;

 private:
  MappedBytes() = default;
  void* mapping_ = nullptr;  // non-null when mmapped
  std::string owned_;        // used by copy_of
};

}  // namespace rayctl::inference
