// Content digests and their text forms: SHA-256 (hex, and base64 for SSH fingerprints) and
// base64 itself. Used to hash what was applied to a node (commands, file_mounts contents) and
// to print host-key fingerprints the way OpenSSH does. No I/O except sha256_file.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace rayctl {

// Incremental SHA-256 (FIPS 180-4).
class Sha256 {
 public:
  Sha256();
  void update(std::string_view data);
  std::array<uint8_t, 32> digest();  // finishes; the object must not be updated afterwards
  std::string hex_digest();

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(std::string_view data);
// Hex SHA-256 of a file's bytes; throws Error(Io) naming the path.
std::string sha256_file_hex(const std::string& path);

std::string base64_encode(std::string_view bytes, bool pad = true);
// Decodes standard base64 (padding optional, whitespace skipped); returns false on bad input.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace rayctl
