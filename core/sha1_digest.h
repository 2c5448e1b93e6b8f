// Sha1Digest: SHA-1 (FIPS 180-4) of bytes, incrementally. Used where rayctl must reproduce a
// hash another tool computes (Ray's runtime-env package names); not for security.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace rayctl {

class Sha1Digest {
 public:
  Sha1Digest();
  void update(std::string_view data);
  std::array<uint8_t, 20> finish();  // the object must not be updated afterwards

 private:
  void block(const uint8_t* p);
  uint32_t h_[5];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::array<uint8_t, 20> sha1(std::string_view data);
std::string to_hex(const uint8_t* p, size_t n);

}  // namespace rayctl
