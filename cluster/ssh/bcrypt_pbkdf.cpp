// bcrypt_pbkdf (see bcrypt_pbkdf.h), following OpenBSD's bcrypt_pbkdf.c and blf.c: Blowfish with
// the "expensive key schedule" (Eksblowfish), bcrypt_hash over SHA-512 digests, and the PBKDF2
// loop whose output bytes are spread across the key non-linearly.
#include "cluster/ssh/ssh_rsa_fallback.h"

#if RAYCTL_OWN_RSA_SHA2

#include "cluster/ssh/bcrypt_pbkdf.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstring>

namespace rayctl {
namespace {

#include "cluster/ssh/blowfish_pi.inc"

// Blowfish state: 18 subkeys and four 256-entry S-boxes (stored one after another).
struct Blowfish {
  uint32_t p[18];
  uint32_t s[4 * 256];

  Blowfish() {
    std::memcpy(p, kPiP, sizeof p);
    std::memcpy(s, kPiS, sizeof s);
  }
  ~Blowfish() { OPENSSL_cleanse(this, sizeof *this); }

  uint32_t f(uint32_t x) const {
    return ((s[x >> 24] + s[0x100 + ((x >> 16) & 0xff)]) ^ s[0x200 + ((x >> 8) & 0xff)]) + s[0x300 + (x & 0xff)];
  }
  void encipher(uint32_t& xl, uint32_t& xr) const {
    uint32_t l = xl ^ p[0], r = xr;
    for (int i = 1; i <= 16; i += 2) {
      r ^= f(l) ^ p[i];
      l ^= f(r) ^ p[i + 1];
    }
    xl = r ^ p[17];
    xr = l;
  }
};

// Four bytes of `data` as a big-endian word, cycling through it (Blowfish_stream2word).
uint32_t stream_word(const uint8_t* data, size_t n, size_t& pos) {
  uint32_t w = 0;
  for (int i = 0; i < 4; ++i, ++pos) {
    if (pos >= n) pos = 0;
    w = (w << 8) | data[pos];
  }
  return w;
}

// Blowfish_expandstate (salt = data) and, with salt == nullptr, Blowfish_expand0state.
void expand_state(Blowfish& c, const uint8_t* salt, size_t salt_len, const uint8_t* key, size_t key_len) {
  size_t j = 0;
  for (uint32_t& sub : c.p) sub ^= stream_word(key, key_len, j);
  j = 0;
  uint32_t l = 0, r = 0;
  auto next = [&](uint32_t& out0, uint32_t& out1) {
    if (salt) {
      l ^= stream_word(salt, salt_len, j);
      r ^= stream_word(salt, salt_len, j);
    }
    c.encipher(l, r);
    out0 = l;
    out1 = r;
  };
  for (size_t i = 0; i < 18; i += 2) next(c.p[i], c.p[i + 1]);
  for (size_t i = 0; i < 4 * 256; i += 2) next(c.s[i], c.s[i + 1]);
}

constexpr size_t kHashSize = 32;  // bcrypt_hash output: 8 words

void bcrypt_hash(const uint8_t* sha2pass, const uint8_t* sha2salt, uint8_t* out) {
  static const char kText[] = "OxychromaticBlowfishSwatDynamite";  // 32 bytes, encrypted 64 times
  Blowfish state;
  expand_state(state, sha2salt, SHA512_DIGEST_LENGTH, sha2pass, SHA512_DIGEST_LENGTH);
  for (int i = 0; i < 64; ++i) {
    expand_state(state, nullptr, 0, sha2salt, SHA512_DIGEST_LENGTH);
    expand_state(state, nullptr, 0, sha2pass, SHA512_DIGEST_LENGTH);
  }
  uint32_t cdata[8];
  size_t j = 0;
  for (uint32_t& w : cdata) w = stream_word(reinterpret_cast<const uint8_t*>(kText), kHashSize, j);
  for (int i = 0; i < 64; ++i)
    for (int b = 0; b < 8; b += 2) state.encipher(cdata[b], cdata[b + 1]);
  for (int i = 0; i < 8; ++i) {  // little-endian words, as OpenBSD copies them out
    out[4 * i + 3] = uint8_t(cdata[i] >> 24);
    out[4 * i + 2] = uint8_t(cdata[i] >> 16);
    out[4 * i + 1] = uint8_t(cdata[i] >> 8);
    out[4 * i + 0] = uint8_t(cdata[i]);
  }
  OPENSSL_cleanse(cdata, sizeof cdata);
}

}  // namespace

std::string bcrypt_pbkdf(const std::string& passphrase, const std::string& salt, size_t key_len, unsigned rounds) {
  if (rounds < 1 || passphrase.empty() || salt.empty() || key_len == 0 || key_len > kHashSize * kHashSize) return {};
  const size_t stride = (key_len + kHashSize - 1) / kHashSize;
  size_t amount = (key_len + stride - 1) / stride;
  uint8_t sha2pass[SHA512_DIGEST_LENGTH], sha2salt[SHA512_DIGEST_LENGTH], out[kHashSize], tmp[kHashSize];
  SHA512(reinterpret_cast<const uint8_t*>(passphrase.data()), passphrase.size(), sha2pass);
  std::string key(key_len, '\0');
  std::string counted = salt + std::string(4, '\0');
  size_t left = key_len;
  for (uint32_t count = 1; left > 0; ++count) {
    for (int b = 0; b < 4; ++b) counted[salt.size() + size_t(b)] = char((count >> (24 - 8 * b)) & 0xff);
    SHA512(reinterpret_cast<const uint8_t*>(counted.data()), counted.size(), sha2salt);
    bcrypt_hash(sha2pass, sha2salt, tmp);
    std::memcpy(out, tmp, sizeof out);
    for (unsigned r = 1; r < rounds; ++r) {
      SHA512(tmp, sizeof tmp, sha2salt);
      bcrypt_hash(sha2pass, sha2salt, tmp);
      for (size_t k = 0; k < sizeof out; ++k) out[k] ^= tmp[k];
    }
    amount = std::min(amount, left);
    size_t i = 0;
    for (; i < amount; ++i) {
      size_t dest = i * stride + (count - 1);
      if (dest >= key_len) break;
      key[dest] = char(out[i]);
    }
    left -= i;
  }
  OPENSSL_cleanse(sha2pass, sizeof sha2pass);
  OPENSSL_cleanse(sha2salt, sizeof sha2salt);
  OPENSSL_cleanse(out, sizeof out);
  OPENSSL_cleanse(tmp, sizeof tmp);
  return key;
}

}  // namespace rayctl

#endif  // RAYCTL_OWN_RSA_SHA2
