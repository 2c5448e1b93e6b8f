// Content digests and their text forms: SHA-256 (hex, and base64 for SSH fingerprints) and
// base64 itself, all through OpenSSL's libcrypto (EVP). Used to hash what was applied to a node
// (commands, file_mounts contents) and to print host-key fingerprints the way OpenSSH does.
// No I/O except sha256_file_hex.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace rayctl {

// An incremental message digest through libcrypto's EVP interface; Sha256 and Sha1Digest are
// made of it.
class EvpDigest {
 public:
  enum class Algorithm { Sha1, Sha256 };
  explicit EvpDigest(Algorithm a);
  void update(std::string_view data);
  std::string finish();  // the raw digest; the object must not be updated afterwards

 private:
  std::unique_ptr<evp_md_ctx_st, void (*)(evp_md_ctx_st*)> ctx_;
};

// Incremental SHA-256 (FIPS 180-4).
class Sha256 {
 public:
  Sha256() : d_(EvpDigest::Algorithm::Sha256) {}
  void update(std::string_view data) { d_.update(data); }
  std::array<uint8_t, 32> digest();  // finishes; the object must not be updated afterwards
  std::string hex_digest();

 private:
  EvpDigest d_;
};

std::string sha256_hex(std::string_view data);
// Hex SHA-256 of a file's bytes; throws Error(Io) naming the path.
std::string sha256_file_hex(const std::string& path);

std::string to_hex(const uint8_t* p, size_t n);  // lower case

std::string base64_encode(std::string_view bytes, bool pad = true);
// Decodes standard base64 (padding optional, whitespace skipped); returns false on bad input.
bool base64_decode(std::string_view text, std::string& out);

}  // namespace rayctl
