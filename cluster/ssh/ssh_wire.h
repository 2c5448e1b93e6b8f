// SSH wire encoding (RFC 4251 §5): big-endian uint32 and length-prefixed strings, as used in
// public-key blobs, agent messages and OpenSSH's private-key format. Reading never goes past the
// end of the buffer: every read returns false instead.
#pragma once

#include <cstdint>
#include <string>

namespace rayctl {

inline void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += char((v >> shift) & 0xff);
}

inline void put_string(std::string& out, const std::string& s) {
  put_u32(out, uint32_t(s.size()));
  out += s;
}

class WireReader {
 public:
  explicit WireReader(const std::string& b) : b_(b) {}
  bool u32(uint32_t& v) {
    if (b_.size() - pos_ < 4) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(b_.data() + pos_);
    v = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
    pos_ += 4;
    return true;
  }
  bool string(std::string& s) {
    uint32_t n;
    if (!u32(n) || b_.size() - pos_ < n) return false;
    s.assign(b_, pos_, n);
    pos_ += n;
    return true;
  }
  size_t remaining() const { return b_.size() - pos_; }
  size_t position() const { return pos_; }

 private:
  const std::string& b_;
  size_t pos_ = 0;
};

}  // namespace rayctl
