// SHA-256 and base64 through libcrypto (see content_digest.h).
#include "core/content_digest.h"

#include "core/error.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstring>
#include <fstream>

namespace rayctl {

EvpDigest::EvpDigest(Algorithm a) : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
  const EVP_MD* md = a == Algorithm::Sha1 ? EVP_sha1() : EVP_sha256();
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), md, nullptr) != 1)
    throw Error(ErrorKind::Internal, "libcrypto cannot start a digest");
}

void EvpDigest::update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1)
    throw Error(ErrorKind::Internal, "libcrypto digest update failed");
}

std::string EvpDigest::finish() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), md, &n) != 1) throw Error(ErrorKind::Internal, "libcrypto digest failed");
  return std::string(reinterpret_cast<const char*>(md), n);
}

std::array<uint8_t, 32> Sha256::digest() {
  std::string raw = d_.finish();
  std::array<uint8_t, 32> out{};
  std::memcpy(out.data(), raw.data(), std::min(raw.size(), out.size()));
  return out;
}

std::string Sha256::hex_digest() {
  auto d = digest();
  return to_hex(d.data(), d.size());
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex_digest();
}

std::string sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorKind::Io, "cannot read " + path);
  Sha256 h;
  char buf[65536];
  while (in) {
    in.read(buf, sizeof buf);
    h.update(std::string_view(buf, size_t(in.gcount())));
  }
  return h.hex_digest();
}

std::string to_hex(const uint8_t* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

std::string base64_encode(std::string_view bytes, bool pad) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  if (!pad)
    while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

bool base64_decode(std::string_view text, std::string& out) {
  out.clear();
  // EVP_DecodeBlock wants whole quads without whitespace: drop whitespace and padding, then pad.
  std::string quads;
  quads.reserve(text.size() + 3);
  for (char c : text) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!alphabet) return false;
    quads += c;
  }
  size_t rest = quads.size() % 4;
  if (rest == 1) return false;  // six bits cannot end a byte
  size_t pad = rest ? 4 - rest : 0;
  quads.append(pad, '=');
  out.resize(quads.size() / 4 * 3);
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(quads.data()), static_cast<int>(quads.size()));
  if (n < 0) return false;
  out.resize(static_cast<size_t>(n) - pad);  // EVP_DecodeBlock counts the padding as zero bytes
  return true;
}

}  // namespace rayctl
