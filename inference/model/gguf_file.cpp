// GGUF parsing. The GgufParser walks the header with a cursor that refuses to read past the end
// of the buffer; every count is checked against the bytes that remain before anything is
// allocated for it, and every size computation is checked for overflow.
#include "inference/model/gguf_file.h"

#include "core/error.h"
#include "inference/model/mapped_file.h"

#include <cstring>
#include <limits>
#include <unordered_set>

namespace rayctl::inference {

namespace {

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr size_t kMaxKeyBytes = 65535;
constexpr size_t kMaxTensorName = 63;  // ggml: GGML_MAX_NAME (64) including the NUL
constexpr int kMaxDims = 4;
constexpr int kMaxArrayDepth = 4;

size_t scalar_size(GgufType t) {
  switch (t) {
    case GgufType::U8:
    case GgufType::I8:
    case GgufType::BOOL: return 1;
    case GgufType::U16:
    case GgufType::I16: return 2;
    case GgufType::U32:
    case GgufType::I32:
    case GgufType::F32: return 4;
    case GgufType::U64:
    case GgufType::I64:
    case GgufType::F64: return 8;
    default: return 0;
  }
}

bool valid_type(uint32_t t) { return t <= uint32_t(GgufType::F64); }

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

}  // namespace

std::string_view gguf_type_name(GgufType t) {
  static constexpr std::string_view names[] = {"u8",   "i8",     "u16",   "i16", "u32", "i32", "f32",
                                               "bool", "string", "array", "u64", "i64", "f64"};
  return uint32_t(t) < 13 ? names[uint32_t(t)] : std::string_view("unknown");
}

// ---------------------------------------------------------------- GgufValue
bool GgufValue::is_integer() const {
  switch (type_) {
    case GgufType::U8:
    case GgufType::I8:
    case GgufType::U16:
    case GgufType::I16:
    case GgufType::U32:
    case GgufType::I32:
    case GgufType::U64:
    case GgufType::I64: return true;
    default: return false;
  }
}

std::optional<int64_t> GgufValue::as_int() const {
  if (!is_integer()) return std::nullopt;
  if (type_ == GgufType::U64 && u_ > uint64_t(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return int64_t(u_);
}

std::optional<double> GgufValue::as_double() const {
  if (is_float()) return f_;
  if (auto i = as_int()) return double(*i);
  return std::nullopt;
}

std::optional<bool> GgufValue::as_bool() const {
  if (type_ != GgufType::BOOL) return std::nullopt;
  return u_ != 0;
}

std::optional<std::string_view> GgufValue::as_string() const {
  if (type_ != GgufType::STRING) return std::nullopt;
  return s_;
}

std::string_view GgufValue::string_at(size_t i) const {
  if (array_type_ != GgufType::STRING || i >= strings_.size()) throw std::out_of_range("GGUF string array index");
  return strings_[i];
}

int64_t GgufValue::int_at(size_t i) const {
  if (i >= array_size_ || !array_data_) throw std::out_of_range("GGUF array index");
  const uint8_t* p = array_data_ + i * scalar_size(array_type_);
  switch (array_type_) {
    case GgufType::U8:
    case GgufType::BOOL: return load<uint8_t>(p);
    case GgufType::I8: return load<int8_t>(p);
    case GgufType::U16: return load<uint16_t>(p);
    case GgufType::I16: return load<int16_t>(p);
    case GgufType::U32: return load<uint32_t>(p);
    case GgufType::I32: return load<int32_t>(p);
    case GgufType::U64: return int64_t(load<uint64_t>(p));
    case GgufType::I64: return load<int64_t>(p);
    default: throw std::invalid_argument("GGUF array is not of integers");
  }
}

double GgufValue::double_at(size_t i) const {
  if (i >= array_size_ || !array_data_) throw std::out_of_range("GGUF array index");
  const uint8_t* p = array_data_ + i * scalar_size(array_type_);
  if (array_type_ == GgufType::F32) return load<float>(p);
  if (array_type_ == GgufType::F64) return load<double>(p);
  return double(int_at(i));
}

const GgufValue& GgufValue::array_at(size_t i) const {
  if (array_type_ != GgufType::ARRAY || i >= nested_.size()) throw std::out_of_range("GGUF nested array index");
  return nested_[i];
}

// ---------------------------------------------------------------- GgufTensor
int64_t GgufTensor::n_elements() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;  // the parser guarantees no overflow
  return n;
}

std::string GgufTensor::shape_str() const {
  std::string s = "[";
  for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
  return s + "]";
}

// ---------------------------------------------------------------- GgufParser
class GgufParser {
 public:
  GgufParser(GgufFile& f) : f_(f), data_(f.bytes_->data), size_(f.bytes_->size) {}

  void parse() {
    uint32_t magic = u32("magic");
    if (magic != kGgufMagic) fail(0, "not a GGUF file (magic bytes are not \"GGUF\")");
    uint32_t version = u32("version");
    if ((version & 0xFFFF) == 0) fail(4, "big-endian GGUF files are not supported");
    if (version < 2 || version > 3)
      fail(4, "unsupported GGUF version " + std::to_string(version) + " (supported: 2, 3)");
    f_.version_ = version;
    uint64_t n_tensors = u64("tensor count");
    uint64_t n_kv = u64("metadata count");
    // Each KV needs ≥ 12 bytes (key length + type), each tensor info ≥ 28 bytes.
    if (n_kv > remaining() / 12) fail(16, "metadata count " + std::to_string(n_kv) + " exceeds what the file can hold");
    if (n_tensors > remaining() / 28)
      fail(8, "tensor count " + std::to_string(n_tensors) + " exceeds what the file can hold");
    f_.kv_.reserve(size_t(n_kv));
    for (uint64_t i = 0; i < n_kv; ++i) read_kv();
    read_alignment();
    f_.tensors_.reserve(size_t(n_tensors));
    for (uint64_t i = 0; i < n_tensors; ++i) read_tensor_info();
    place_tensors();
  }

 private:
  [[noreturn]] void fail(uint64_t at, const std::string& what) const {
    throw Error(ErrorKind::Invalid, f_.path_ + ": byte " + std::to_string(at) + ": " + what,
                "the file is truncated, corrupt or not a GGUF model; re-download or re-convert it");
  }

  size_t remaining() const { return size_ - pos_; }

  const uint8_t* take(size_t n, const char* what) {
    if (n > remaining())
      fail(pos_, std::string("unexpected end of file reading ") + what + " (" + std::to_string(n) + " bytes needed, " +
                     std::to_string(remaining()) + " left)");
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  uint32_t u32(const char* what) { return load<uint32_t>(take(4, what)); }
  uint64_t u64(const char* what) { return load<uint64_t>(take(8, what)); }

  std::string_view str(const char* what, uint64_t max_len = std::numeric_limits<uint64_t>::max()) {
    uint64_t at = pos_;
    uint64_t len = u64(what);
    if (len > max_len)
      fail(at,
           std::string(what) + " is " + std::to_string(len) + " bytes long (limit " + std::to_string(max_len) + ")");
    if (len > remaining())
      fail(at, std::string(what) + " length " + std::to_string(len) + " runs past the end of the file");
    const uint8_t* p = take(size_t(len), what);
    return {reinterpret_cast<const char*>(p), size_t(len)};
  }

  void read_value(GgufValue& v, GgufType type, int depth) {
    v.type_ = type;
    switch (type) {
      case GgufType::STRING: v.s_ = str("string value"); return;
      case GgufType::ARRAY: return read_array(v, depth);
      case GgufType::F32: v.f_ = load<float>(take(4, "f32 value")); return;
      case GgufType::F64: v.f_ = load<double>(take(8, "f64 value")); return;
      case GgufType::BOOL: {
        uint64_t at = pos_;
        uint8_t b = *take(1, "bool value");
        if (b > 1) fail(at, "bool value is " + std::to_string(b) + " (must be 0 or 1)");
        v.u_ = b;
        return;
      }
      default: break;
    }
    const uint8_t* p = take(scalar_size(type), "integer value");
    switch (type) {
      case GgufType::U8: v.u_ = load<uint8_t>(p); break;
      case GgufType::I8: v.u_ = uint64_t(int64_t(load<int8_t>(p))); break;
      case GgufType::U16: v.u_ = load<uint16_t>(p); break;
      case GgufType::I16: v.u_ = uint64_t(int64_t(load<int16_t>(p))); break;
      case GgufType::U32: v.u_ = load<uint32_t>(p); break;
      case GgufType::I32: v.u_ = uint64_t(int64_t(load<int32_t>(p))); break;
      case GgufType::U64: v.u_ = load<uint64_t>(p); break;
      case GgufType::I64: v.u_ = uint64_t(load<int64_t>(p)); break;
      default: break;
    }
  }

  void read_array(GgufValue& v, int depth) {
    uint64_t at = pos_;
    uint32_t et = u32("array element type");
    if (!valid_type(et)) fail(at, "array element type " + std::to_string(et) + " is not a GGUF type");
    v.array_type_ = GgufType(et);
    uint64_t count = u64("array length");
    if (v.array_type_ == GgufType::STRING) {
      if (count > remaining() / 8)
        fail(at + 4, "array of " + std::to_string(count) + " strings runs past the end of the file");
      v.strings_.reserve(size_t(count));
      for (uint64_t i = 0; i < count; ++i) v.strings_.push_back(str("array string"));
    } else if (v.array_type_ == GgufType::ARRAY) {
      if (depth >= kMaxArrayDepth) fail(at, "arrays nested deeper than " + std::to_string(kMaxArrayDepth));
      if (count > remaining() / 12)
        fail(at + 4, "array of " + std::to_string(count) + " arrays runs past the end of the file");
      v.nested_.resize(size_t(count));
      for (uint64_t i = 0; i < count; ++i) read_value(v.nested_[i], GgufType::ARRAY, depth + 1);
    } else {
      size_t es = scalar_size(v.array_type_);
      if (count > remaining() / es)
        fail(at + 4, "array of " + std::to_string(count) + " " + std::string(gguf_type_name(v.array_type_)) +
                         " runs past the end of the file");
      v.array_data_ = take(size_t(count) * es, "array data");
      if (v.array_type_ == GgufType::BOOL)
        for (uint64_t i = 0; i < count; ++i)
          if (v.array_data_[i] > 1) fail(pos_ - count + i, "bool array element is not 0 or 1");
    }
    v.array_size_ = size_t(count);
  }

  void read_kv() {
    uint64_t at = pos_;
    std::string_view key = str("metadata key", kMaxKeyBytes);
    if (key.empty()) fail(at, "empty metadata key");
    if (!keys_.insert(key).second) fail(at, "duplicate metadata key \"" + std::string(key) + "\"");
    uint64_t tat = pos_;
    uint32_t t = u32("metadata value type");
    if (!valid_type(t)) fail(tat, "metadata \"" + std::string(key) + "\" has unknown value type " + std::to_string(t));
    GgufValue v;
    read_value(v, GgufType(t), 0);
    f_.kv_.emplace_back(std::string(key), std::move(v));
  }

  void read_alignment() {
    const GgufValue* a = f_.find("general.alignment");
    if (!a) return;
    if (a->type() != GgufType::U32)
      fail(0, "general.alignment must be a u32, not " + std::string(gguf_type_name(a->type())));
    uint64_t al = uint64_t(*a->as_int());
    if (al == 0 || (al & (al - 1)) != 0) fail(0, "general.alignment " + std::to_string(al) + " is not a power of two");
    f_.alignment_ = al;
  }

  void read_tensor_info() {
    uint64_t at = pos_;
    GgufTensor t;
    t.name = std::string(str("tensor name", kMaxTensorName));
    if (f_.tensor_index_.count(t.name)) fail(at, "duplicate tensor \"" + t.name + "\"");
    uint64_t dat = pos_;
    uint32_t n_dims = u32("tensor dimension count");
    if (n_dims < 1 || n_dims > kMaxDims)
      fail(dat, "tensor \"" + t.name + "\" has " + std::to_string(n_dims) + " dimensions (1 to 4 allowed)");
    int64_t n_elems = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t ne = u64("tensor dimension");
      if (ne > uint64_t(std::numeric_limits<int64_t>::max()) ||
          (ne != 0 && uint64_t(n_elems) > uint64_t(std::numeric_limits<int64_t>::max()) / ne))
        fail(dat, "tensor \"" + t.name + "\" has an impossible shape (element count overflows)");
      t.ne.push_back(int64_t(ne));
      n_elems *= int64_t(ne);
    }
    uint64_t tat = pos_;
    uint32_t type = u32("tensor type");
    const GgmlTypeInfo* info = ggml_type_info(type);
    if (!info) fail(tat, "tensor \"" + t.name + "\" has unknown ggml type " + std::to_string(type));
    t.type = GgmlType(type);
    if (t.ne[0] % info->block_elems != 0)
      fail(dat, "tensor \"" + t.name + "\" row length " + std::to_string(t.ne[0]) + " is not a multiple of the " +
                    std::string(info->name) + " block size " + std::to_string(info->block_elems));
    uint64_t blocks = uint64_t(n_elems) / uint64_t(info->block_elems);
    if (blocks > std::numeric_limits<uint64_t>::max() / uint64_t(info->block_bytes))
      fail(dat, "tensor \"" + t.name + "\" byte size overflows");
    t.nbytes = blocks * uint64_t(info->block_bytes);
    t.offset = u64("tensor offset");
    if (t.offset % f_.alignment_ != 0)
      fail(pos_ - 8, "tensor \"" + t.name + "\" offset " + std::to_string(t.offset) +
                         " is not a multiple of the alignment " + std::to_string(f_.alignment_));
    f_.tensor_index_.emplace(t.name, f_.tensors_.size());
    f_.tensors_.push_back(std::move(t));
  }

  void place_tensors() {
    uint64_t al = f_.alignment_;
    uint64_t data_start = pos_ + (al - pos_ % al) % al;
    if (data_start > size_ && !f_.tensors_.empty()) fail(pos_, "tensor data section starts past the end of the file");
    uint64_t data_size = size_ > data_start ? size_ - data_start : 0;
    for (GgufTensor& t : f_.tensors_) {
      if (t.offset > data_size || t.nbytes > data_size - t.offset)
        fail(data_start + (t.offset > data_size ? 0 : t.offset),
             "tensor \"" + t.name + "\" " + t.shape_str() + " data [" + std::to_string(t.offset) + ", +" +
                 std::to_string(t.nbytes) + ") lies past the end of the data section (" + std::to_string(data_size) +
                 " bytes)");
      t.data = data_ + data_start + t.offset;
    }
  }

  GgufFile& f_;
  std::unordered_set<std::string_view> keys_;  // views into the buffer
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// ---------------------------------------------------------------- GgufFile
GgufFile GgufFile::open(const std::string& path) {
  GgufFile f;
  f.path_ = path;
  f.bytes_.reset(MappedBytes::map_file(path));
  GgufParser(f).parse();
  return f;
}

GgufFile GgufFile::from_bytes(std::string_view bytes, std::string name) {
  GgufFile f;
  f.path_ = std::move(name);
  f.bytes_.reset(MappedBytes::copy_of(bytes));
  GgufParser(f).parse();
  return f;
}

GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

const GgufValue* GgufFile::find(std::string_view key) const {
  for (const auto& [k, v] : kv_)
    if (k == key) return &v;
  return nullptr;
}

namespace {
[[noreturn]] void wrong_type(const GgufFile& f, std::string_view key, const GgufValue& v, const char* want) {
  throw Error(ErrorKind::Invalid,
              f.path() + ": metadata \"" + std::string(key) + "\" is a " + std::string(gguf_type_name(v.type())) +
                  ", expected " + want,
              "the file was written by an incompatible converter; re-convert it with a current llama.cpp");
}
}  // namespace

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (auto i = v->as_int()) return i;
  wrong_type(*this, key, *v, "an integer");
}

std::optional<double> GgufFile::get_double(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (auto d = v->as_double()) return d;
  wrong_type(*this, key, *v, "a number");
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (auto b = v->as_bool()) return b;
  wrong_type(*this, key, *v, "a bool");
}

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (auto s = v->as_string()) return std::string(*s);
  wrong_type(*this, key, *v, "a string");
}

const GgufTensor* GgufFile::tensor(std::string_view name) const {
  auto it = tensor_index_.find(std::string(name));
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

}  // namespace rayctl::inference
