// Reading RSA private keys and signing with them (see ssh_rsa_key.h).
#include "cluster/ssh/ssh_rsa_fallback.h"

#if RAYCTL_OWN_RSA_SHA2

#include "cluster/ssh/ssh_rsa_key.h"

#include "cluster/ssh/bcrypt_pbkdf.h"
#include "cluster/ssh/ssh_wire.h"
#include "core/content_digest.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include <cstring>

namespace rayctl {
namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;
using BnPtr = std::unique_ptr<BIGNUM, void (*)(BIGNUM*)>;

void wipe(std::string& s) {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

BnPtr bn_from(const std::string& mpint) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(mpint.data()), int(mpint.size()), nullptr),
               BN_clear_free);
}

std::string mpint_of(const BIGNUM* bn) {
  std::string bytes(size_t(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80)) bytes.insert(bytes.begin(), '\0');
  return bytes;
}

// An RSA key from its parts (OpenSSL 3 provider API; CRT exponents derived for speed).
PkeyPtr rsa_from_parts(const std::string& n, const std::string& e, const std::string& d, const std::string& iqmp,
                       const std::string& p, const std::string& q) {
  PkeyPtr none(nullptr, EVP_PKEY_free);
  BnPtr bn_n = bn_from(n), bn_e = bn_from(e), bn_d = bn_from(d), bn_iqmp = bn_from(iqmp), bn_p = bn_from(p),
        bn_q = bn_from(q), dmp1(BN_secure_new(), BN_clear_free), dmq1(BN_secure_new(), BN_clear_free),
        tmp(BN_secure_new(), BN_clear_free);
  std::unique_ptr<BN_CTX, void (*)(BN_CTX*)> bctx(BN_CTX_new(), BN_CTX_free);
  if (!bn_n || !bn_e || !bn_d || !bn_iqmp || !bn_p || !bn_q || !dmp1 || !dmq1 || !tmp || !bctx) return none;
  if (BN_is_zero(bn_p.get()) || BN_is_zero(bn_q.get())) return none;
  if (!BN_sub(tmp.get(), bn_p.get(), BN_value_one()) || !BN_mod(dmp1.get(), bn_d.get(), tmp.get(), bctx.get()) ||
      !BN_sub(tmp.get(), bn_q.get(), BN_value_one()) || !BN_mod(dmq1.get(), bn_d.get(), tmp.get(), bctx.get()))
    return none;
  std::unique_ptr<OSSL_PARAM_BLD, void (*)(OSSL_PARAM_BLD*)> bld(OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, bn_d.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR1, bn_p.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_FACTOR2, bn_q.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT1, dmp1.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_EXPONENT2, dmq1.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, bn_iqmp.get()))
    return none;
  std::unique_ptr<OSSL_PARAM, void (*)(OSSL_PARAM*)> params(OSSL_PARAM_BLD_to_param(bld.get()), OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr),
                                                             EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) <= 0)
    return none;
  PkeyPtr made(key, EVP_PKEY_free);
  // CTR and CBC have no integrity: a damaged file decrypts to numbers that are no RSA key.
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr),
                                                               EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_pairwise_check(check.get()) != 1) return none;
  return made;
}

// A cipher OpenSSH may encrypt its private keys with.
struct KeyCipher {
  const char* name;
  const EVP_CIPHER* (*evp)();
  size_t key_len, iv_len, tag_len;
};
constexpr KeyCipher kKeyCiphers[] = {
    {"aes128-ctr", EVP_aes_128_ctr, 16, 16, 0},
    {"aes192-ctr", EVP_aes_192_ctr, 24, 16, 0},
    {"aes256-ctr", EVP_aes_256_ctr, 32, 16, 0},
    {"aes128-cbc", EVP_aes_128_cbc, 16, 16, 0},
    {"aes192-cbc", EVP_aes_192_cbc, 24, 16, 0},
    {"aes256-cbc", EVP_aes_256_cbc, 32, 16, 0},
    {"aes128-gcm@openssh.com", EVP_aes_128_gcm, 16, 12, 16},
    {"aes256-gcm@openssh.com", EVP_aes_256_gcm, 32, 12, 16},
};
constexpr size_t kCipherBlock = 16;  // AES; OpenSSH pads the private section to it
constexpr uint32_t kMaxKdfRounds = 10000;

// Decrypts the private section (`sealed` = ciphertext followed by the GCM tag, if any) with the
// key and IV bcrypt_pbkdf derives. Returns false when the data cannot be decrypted (a GCM tag
// that does not match = wrong passphrase); checking the two check words is the caller's job.
bool decrypt_private(const KeyCipher& c, const std::string& passphrase, const std::string& kdf_options,
                     const std::string& sealed, std::string& plain) {
  std::string salt;
  uint32_t rounds = 0;
  WireReader o(kdf_options);
  // ssh-keygen uses 16 rounds (-a); far more would take minutes per key and only comes from a
  // damaged file.
  if (!o.string(salt) || !o.u32(rounds) || rounds > kMaxKdfRounds || sealed.size() < c.tag_len) return false;
  size_t n = sealed.size() - c.tag_len;
  if (n == 0 || n % kCipherBlock != 0) return false;
  std::string kiv = bcrypt_pbkdf(passphrase, salt, c.key_len + c.iv_len, rounds);
  if (kiv.empty()) return false;
  const auto* k = reinterpret_cast<const unsigned char*>(kiv.data());
  std::unique_ptr<EVP_CIPHER_CTX, void (*)(EVP_CIPHER_CTX*)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), c.evp(), nullptr, nullptr, nullptr) == 1;
  if (ok && c.tag_len) ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, int(c.iv_len), nullptr) == 1;
  ok = ok && EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, k, k + c.key_len) == 1 &&
       EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1;
  plain.assign(n + kCipherBlock, '\0');
  int out = 0, fin = 0;
  auto* dst = reinterpret_cast<unsigned char*>(plain.data());
  ok =
      ok && EVP_DecryptUpdate(ctx.get(), dst, &out, reinterpret_cast<const unsigned char*>(sealed.data()), int(n)) == 1;
  if (ok && c.tag_len) {
    std::string tag = sealed.substr(n);
    ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, int(c.tag_len), tag.data()) == 1;
  }
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), dst + out, &fin) == 1;
  plain.resize(ok ? size_t(out + fin) : 0);
  wipe(kiv);
  return ok;
}

// openssh-key-v1 (PROTOCOL.key): magic, cipher, kdf, kdf options, key count, public blob,
// private section = check word twice, then the key (type, n, e, d, iqmp, p, q), comment, padding.
void parse_openssh(const std::string& text, const std::string& passphrase, std::string& blob, std::string& cipher,
                   PkeyPtr& key, RsaKeyProblem& problem) {
  problem = RsaKeyProblem::Unreadable;
  const std::string begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  auto b = text.find(begin);
  auto e = b == std::string::npos ? b : text.find("-----END", b + begin.size());
  std::string raw;
  const std::string magic("openssh-key-v1\0", 15);
  if (e == std::string::npos ||
      !base64_decode(std::string_view(text).substr(b + begin.size(), e - b - begin.size()), raw) ||
      raw.compare(0, magic.size(), magic) != 0) {
    wipe(raw);
    return;
  }
  std::string body = raw.substr(magic.size()), kdf, kdf_opts, sealed, priv, type, n, pe, d, iqmp, p, q;
  wipe(raw);
  WireReader r(body);
  uint32_t count = 0, check1 = 0, check2 = 0;
  if (!r.string(cipher) || !r.string(kdf) || !r.string(kdf_opts) || !r.u32(count) || count != 1 || !r.string(blob) ||
      !r.string(sealed)) {
  } else if (!is_rsa_key_blob(blob)) {
    problem = RsaKeyProblem::NotRsa;
  } else if (cipher == "none") {
    priv = sealed;
  } else {
    const KeyCipher* c = nullptr;
    for (const auto& k : kKeyCiphers)
      if (cipher == k.name) c = &k;
    if (!c || kdf != "bcrypt") {
      problem = RsaKeyProblem::UnsupportedCipher;
    } else {
      // For GCM the tag follows the private section's string in the file.
      if (c->tag_len && r.remaining() < c->tag_len) {
      } else {
        if (c->tag_len) sealed += body.substr(r.position(), c->tag_len);
        if (!decrypt_private(*c, passphrase, kdf_opts, sealed, priv)) problem = RsaKeyProblem::WrongPassphrase;
      }
    }
  }
  if (!priv.empty()) {
    WireReader k(priv);
    if (!k.u32(check1) || !k.u32(check2)) {
    } else if (check1 != check2) {
      problem = RsaKeyProblem::WrongPassphrase;  // what a wrong passphrase decrypts to
    } else if (k.string(type) && type == "ssh-rsa" && k.string(n) && k.string(pe) && k.string(d) && k.string(iqmp) &&
               k.string(p) && k.string(q) && (key = rsa_from_parts(n, pe, d, iqmp, p, q))) {
      // Like OpenSSH: the private part must hold the key the file's public part announces.
      std::string inner;
      put_string(inner, "ssh-rsa");
      put_string(inner, pe);
      put_string(inner, n);
      if (inner == blob) problem = RsaKeyProblem::None;
    }
  }
  for (std::string* s : {&body, &sealed, &priv, &d, &iqmp, &p, &q}) wipe(*s);
}

int pem_passphrase(char* buf, int size, int, void* user) {
  const auto* pass = static_cast<const std::string*>(user);
  int n = int(std::min(pass->size(), size_t(size)));
  std::memcpy(buf, pass->data(), size_t(n));
  return n;
}

// PKCS#1 or PKCS#8, through OpenSSL.
void parse_pem(const std::string& text, const std::string& passphrase, std::string& blob, PkeyPtr& key,
               RsaKeyProblem& problem) {
  problem = RsaKeyProblem::Unreadable;
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new_mem_buf(text.data(), int(text.size())), BIO_free);
  EVP_PKEY* k = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, pem_passphrase, const_cast<std::string*>(&passphrase))
                    : nullptr;
  key.reset(k);
  if (!k) {
    bool encrypted = text.find("ENCRYPTED") != std::string::npos;
    problem = encrypted ? RsaKeyProblem::WrongPassphrase : RsaKeyProblem::Unreadable;
    return;
  }
  if (EVP_PKEY_get_base_id(k) != EVP_PKEY_RSA) {
    problem = RsaKeyProblem::NotRsa;
    return;
  }
  BIGNUM *n = nullptr, *e = nullptr;
  if (EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n) && EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e)) {
    put_string(blob, "ssh-rsa");
    put_string(blob, mpint_of(e));
    put_string(blob, mpint_of(n));
    problem = RsaKeyProblem::None;
  }
  BN_free(n);
  BN_free(e);
}

}  // namespace

bool is_rsa_key_blob(const std::string& blob) {
  WireReader r(blob);
  std::string type;
  return r.string(type) && type == "ssh-rsa";
}

RsaPrivateKey RsaPrivateKey::parse(const std::string& text, const std::string& passphrase) {
  RsaPrivateKey k;
  PkeyPtr key(nullptr, EVP_PKEY_free);
  if (text.find("-----BEGIN OPENSSH PRIVATE KEY-----") != std::string::npos)
    parse_openssh(text, passphrase, k.blob_, k.cipher_, key, k.problem_);
  else
    parse_pem(text, passphrase, k.blob_, key, k.problem_);
  if (k.problem_ == RsaKeyProblem::None)
    k.key_ = std::move(key);
  else
    k.blob_.clear();
  if (k.problem_ != RsaKeyProblem::UnsupportedCipher) k.cipher_.clear();
  return k;
}

std::string RsaPrivateKey::sign_sha256(const unsigned char* data, size_t len) const {
  if (!key_) return {};
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t n = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key_.get()) <= 0 ||
      EVP_DigestSign(md.get(), nullptr, &n, data, len) <= 0)
    return {};
  std::string out(n, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(out.data()), &n, data, len) <= 0) return {};
  out.resize(n);
  return out;
}

}  // namespace rayctl

#endif  // RAYCTL_OWN_RSA_SHA2
