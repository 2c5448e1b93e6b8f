// safetensors parsing and HF checkpoint directories (see safetensors_file.h).
#include "inference/model/safetensors_file.h"

#include "core/error.h"
#include "inference/model/json_file.h"
#include "inference/model/mapped_file.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace rayctl::inference {

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& what) {
  throw Error(ErrorKind::Invalid, path + ": " + what,
              "the file is truncated, corrupt or not a safetensors file; re-download it");
}

nlohmann::json read_json(const std::string& path) {
  return *read_json_file(path, true, "a HF model directory needs this file", "the file is truncated or not JSON");
}

}  // namespace

size_t safetensors_dtype_size(std::string_view d) {
  if (d == "F64" || d == "I64" || d == "U64") return 8;
  if (d == "F32" || d == "I32" || d == "U32") return 4;
  if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
  if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
  return 0;
}

bool safetensors_dtype_to_ggml(std::string_view d, GgmlType& out) {
  if (d == "F32")
    out = GgmlType::F32;
  else if (d == "F16")
    out = GgmlType::F16;
  else if (d == "BF16")
    out = GgmlType::BF16;
  else
    return false;
  return true;
}

int64_t SafetensorsTensor::n_elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string SafetensorsTensor::shape_str() const {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  SafetensorsFile f;
  f.path_ = path;
  f.bytes_.reset(MappedBytes::map_file(path));
  f.parse();
  return f;
}

SafetensorsFile SafetensorsFile::from_bytes(std::string_view bytes, std::string name) {
  SafetensorsFile f;
  f.path_ = std::move(name);
  f.bytes_.reset(MappedBytes::copy_of(bytes));
  f.parse();
  return f;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&&) noexcept = default;
SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&&) noexcept = default;
SafetensorsFile::~SafetensorsFile() = default;

void SafetensorsFile::parse() {
  const uint8_t* d = bytes_->data;
  size_t size = bytes_->size;
  if (size < 8) bad(path_, "file is " + std::to_string(size) + " bytes, shorter than the 8-byte header length");
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | d[i];
  if (n > size - 8) bad(path_, "header length " + std::to_string(n) + " runs past the end of the file");
  if (n > (100u << 20)) bad(path_, "header length " + std::to_string(n) + " exceeds the 100 MB limit");
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(reinterpret_cast<const char*>(d) + 8, reinterpret_cast<const char*>(d) + 8 + n);
  } catch (const nlohmann::json::parse_error& e) {
    bad(path_, "header byte " + std::to_string(8 + e.byte) + ": invalid JSON");
  }
  if (!h.is_object()) bad(path_, "header is not a JSON object");
  uint64_t data_size = size - 8 - n;
  const uint8_t* data = d + 8 + n;
  for (auto it = h.begin(); it != h.end(); ++it) {
    const std::string& name = it.key();
    const auto& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) bad(path_, "__metadata__ is not an object");
      for (auto m = v.begin(); m != v.end(); ++m)
        if (m.value().is_string()) metadata_[m.key()] = m.value().get<std::string>();
      continue;
    }
    auto fail = [&](const std::string& what) { bad(path_, "tensor \"" + name + "\": " + what); };
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      fail("entry needs dtype, shape and data_offsets");
    SafetensorsTensor t;
    t.name = name;
    t.file = path_;
    if (!v["dtype"].is_string()) fail("dtype is not a string");
    t.dtype = v["dtype"].get<std::string>();
    size_t es = safetensors_dtype_size(t.dtype);
    if (!es) fail("unknown dtype \"" + t.dtype + "\"");
    if (!v["shape"].is_array() || v["shape"].size() > 8) fail("shape must be an array of at most 8 sizes");
    uint64_t elems = 1;
    for (const auto& dim : v["shape"]) {
      if (!dim.is_number_unsigned()) fail("shape has a non-integer or negative size");
      uint64_t x = dim.get<uint64_t>();
      if (x > uint64_t(std::numeric_limits<int64_t>::max()) ||
          (x && elems > uint64_t(std::numeric_limits<int64_t>::max()) / x))
        fail("shape " + v["shape"].dump() + " overflows");
      elems *= x;
      t.shape.push_back(int64_t(x));
    }
    const auto& off = v["data_offsets"];
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      fail("data_offsets must be [begin, end]");
    uint64_t b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
    if (b > e || e > data_size)
      fail("data_offsets [" + std::to_string(b) + ", " + std::to_string(e) + ") lie outside the data buffer (" +
           std::to_string(data_size) + " bytes)");
    if (elems > std::numeric_limits<uint64_t>::max() / es || e - b != elems * es)
      fail("data_offsets span " + std::to_string(e - b) + " bytes but " + t.dtype + " " + t.shape_str() + " needs " +
           std::to_string(elems * es));
    t.data = data + b;
    t.nbytes = e - b;
    index_[name] = tensors_.size();
    tensors_.push_back(std::move(t));
  }
}

const SafetensorsTensor* SafetensorsFile::find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  return it == index_.end() ? nullptr : &tensors_[it->second];
}

SafetensorsCheckpoint SafetensorsCheckpoint::open(const std::string& dir) {
  namespace fs = std::filesystem;
  SafetensorsCheckpoint c;
  c.dir_ = dir;
  c.config_ = read_json(dir + "/config.json");
  std::string index_path = dir + "/model.safetensors.index.json";
  std::vector<std::string> files;
  if (fs::exists(index_path)) {
    nlohmann::json idx = read_json(index_path);
    if (!idx.contains("weight_map") || !idx["weight_map"].is_object())
      throw Error(ErrorKind::Invalid, index_path + ": no \"weight_map\" object", "re-download the checkpoint");
    for (auto it = idx["weight_map"].begin(); it != idx["weight_map"].end(); ++it) {
      if (!it.value().is_string())
        throw Error(ErrorKind::Invalid, index_path + ": weight_map[\"" + it.key() + "\"] is not a file name",
                    "re-download the checkpoint");
      std::string f = it.value().get<std::string>();
      if (f.find('/') != std::string::npos || f.find("..") != std::string::npos)
        throw Error(ErrorKind::Invalid, index_path + ": shard name \"" + f + "\" is not a plain file name");
      if (std::find(files.begin(), files.end(), f) == files.end()) files.push_back(f);
    }
    std::sort(files.begin(), files.end());
  } else if (fs::exists(dir + "/model.safetensors")) {
    files.push_back("model.safetensors");
  } else {
    throw Error(ErrorKind::NotFound, dir + ": no model.safetensors or model.safetensors.index.json",
                "point --model at a Hugging Face checkpoint directory or a .gguf file");
  }
  for (const std::string& f : files) {
    c.shards_.push_back(SafetensorsFile::open(dir + "/" + f));
    const SafetensorsFile& s = c.shards_.back();
    for (size_t i = 0; i < s.tensors().size(); ++i) {
      const std::string& name = s.tensors()[i].name;
      if (c.index_.count(name))
        throw Error(ErrorKind::Invalid, dir + "/" + f + ": tensor \"" + name + "\" also appears in another shard");
      c.index_[name] = {c.shards_.size() - 1, i};
    }
  }
  return c;
}

const SafetensorsTensor* SafetensorsCheckpoint::find(std::string_view name) const {
  auto it = index_.find(std::string(name));
  if (it == index_.end()) return nullptr;
  return &shards_[it->second.first].tensors()[it->second.second];
}

}  // namespace rayctl::inference
