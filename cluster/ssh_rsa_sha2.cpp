// rsa-sha2-256 public-key authentication over libssh2 < 1.11 (see ssh_rsa_sha2.h).
//
// libssh2_userauth_publickey() names the algorithm after the first string of the public-key
// blob it is given, and signs through our callback. Giving it the RSA blob with that string
// set to "rsa-sha2-256" makes the request say rsa-sha2-256 (the server reads the key type from
// the blob's name, which OpenSSH maps to RSA); the callback returns a PKCS#1 v1.5 SHA-256
// signature of exactly the bytes libssh2 asks for.
#include "cluster/ssh_rsa_sha2.h"

#include "core/content_digest.h"
#include "core/state_store.h"

#include <libssh2.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace rayctl {
namespace {

constexpr unsigned char kAgentSignRequest = 13, kAgentSignResponse = 14;
constexpr uint32_t kAgentRsaSha2_256 = 2;
const std::string kSigAlg = "rsa-sha2-256";

void put_u32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out += char((v >> shift) & 0xff);
}
void put_string(std::string& out, const std::string& s) {
  put_u32(out, uint32_t(s.size()));
  out += s;
}

// Reads SSH wire fields from a buffer; every read fails (false) past the end.
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
  bool skip(size_t n) {
    if (b_.size() - pos_ < n) return false;
    pos_ += n;
    return true;
  }

 private:
  const std::string& b_;
  size_t pos_ = 0;
};

void wipe(std::string& s) {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// The blob with its type name replaced by rsa-sha2-256 (the name the request will carry).
std::string sha2_named_blob(const std::string& blob) {
  WireReader r(blob);
  std::string type;
  if (!r.string(type)) return {};
  std::string out;
  put_string(out, kSigAlg);
  out.append(blob, 4 + type.size(), std::string::npos);
  return out;
}

// Sends one request to the agent and returns its reply body ("" on any failure).
std::string agent_roundtrip(const std::string& socket_path, const std::string& request) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof addr.sun_path) {
    ::close(fd);
    return {};
  }
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  timeval tv{30, 0};  // an agent may ask its user to confirm (ssh-add -c)
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string framed;
  put_string(framed, request);
  std::string reply;
  auto io_all = [&](bool writing, char* p, size_t n) {
    while (n > 0) {
      ssize_t k = writing ? ::send(fd, p, n, MSG_NOSIGNAL) : ::recv(fd, p, n, 0);
      if (k <= 0) return false;
      p += k;
      n -= size_t(k);
    }
    return true;
  };
  unsigned char len[4];
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 && io_all(true, framed.data(), framed.size()) &&
      io_all(false, reinterpret_cast<char*>(len), 4)) {
    size_t n = size_t(len[0]) << 24 | size_t(len[1]) << 16 | size_t(len[2]) << 8 | len[3];
    if (n > 0 && n < (1u << 20)) {
      reply.resize(n);
      if (!io_all(false, reply.data(), n)) reply.clear();
    }
  }
  ::close(fd);
  return reply;
}

// Hands a signature to libssh2, which frees it with its (default: malloc) allocator.
int give_signature(const std::string& sig, unsigned char** out, size_t* out_len) {
  if (sig.empty()) return -1;
  *out = static_cast<unsigned char*>(std::malloc(sig.size()));
  if (!*out) return -1;
  std::memcpy(*out, sig.data(), sig.size());
  *out_len = sig.size();
  return 0;
}

struct AgentSigner {
  std::string socket, blob;
};

int agent_sign(LIBSSH2_SESSION*, unsigned char** sig, size_t* sig_len, const unsigned char* data, size_t data_len,
               void** abstract) {
  const auto* signer = static_cast<const AgentSigner*>(*abstract);
  std::string req(1, char(kAgentSignRequest));
  put_string(req, signer->blob);
  put_string(req, std::string(reinterpret_cast<const char*>(data), data_len));
  put_u32(req, kAgentRsaSha2_256);
  std::string reply = agent_roundtrip(signer->socket, req);
  if (reply.empty() || static_cast<unsigned char>(reply[0]) != kAgentSignResponse) return -1;
  std::string wrapped = reply.substr(1), signature, alg, raw;
  WireReader outer(wrapped);
  if (!outer.string(signature)) return -1;
  WireReader inner(signature);
  if (!inner.string(alg) || alg != kSigAlg || !inner.string(raw)) return -1;
  return give_signature(raw, sig, sig_len);
}

using PkeyPtr = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;
using BnPtr = std::unique_ptr<BIGNUM, void (*)(BIGNUM*)>;

BnPtr bn_from(const std::string& mpint) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(mpint.data()), int(mpint.size()), nullptr), BN_clear_free);
}

std::string mpint_of(const BIGNUM* bn) {
  std::string bytes(size_t(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80)) bytes.insert(bytes.begin(), '\0');
  return bytes;
}

// An RSA key from its parts (OpenSSL 3 provider API; CRT parts derived for speed).
PkeyPtr rsa_from_parts(const std::string& n, const std::string& e, const std::string& d, const std::string& iqmp,
                       const std::string& p, const std::string& q) {
  PkeyPtr none(nullptr, EVP_PKEY_free);
  BnPtr bn_n = bn_from(n), bn_e = bn_from(e), bn_d = bn_from(d), bn_iqmp = bn_from(iqmp), bn_p = bn_from(p),
        bn_q = bn_from(q), dmp1(BN_secure_new(), BN_clear_free), dmq1(BN_secure_new(), BN_clear_free),
        tmp(BN_secure_new(), BN_clear_free);
  std::unique_ptr<BN_CTX, void (*)(BN_CTX*)> bctx(BN_CTX_new(), BN_CTX_free);
  if (!bn_n || !bn_e || !bn_d || !bn_iqmp || !bn_p || !bn_q || !dmp1 || !dmq1 || !tmp || !bctx) return none;
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
  return PkeyPtr(key, EVP_PKEY_free);
}

struct LoadedKey {
  PkeyPtr key{nullptr, EVP_PKEY_free};
  std::string blob;  // public key, SSH wire format ("ssh-rsa", e, n)
  RsaFileAuth problem = RsaFileAuth::Ok;
};

// openssh-key-v1: magic, cipher, kdf, kdf options, key count, public blob, private section.
LoadedKey load_openssh_key(const std::string& text) {
  LoadedKey out;
  const std::string begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  auto b = text.find(begin), e = text.find("-----END", b + begin.size());
  std::string raw;
  const std::string magic("openssh-key-v1\0", 15);
  if (e == std::string::npos || !base64_decode(std::string_view(text).substr(b + begin.size(), e - b - begin.size()), raw) ||
      raw.compare(0, magic.size(), magic) != 0) {
    out.problem = RsaFileAuth::Unreadable;
    return out;
  }
  std::string body = raw.substr(magic.size()), cipher, kdf, kdf_opts, priv, type, n, pe, d, iqmp, p, q;
  wipe(raw);
  WireReader r(body);
  uint32_t count = 0, check1 = 0, check2 = 0;
  if (!r.string(cipher) || !r.string(kdf) || !r.string(kdf_opts) || !r.u32(count) || count != 1 || !r.string(out.blob) ||
      !r.string(priv)) {
    out.problem = RsaFileAuth::Unreadable;
  } else if (!is_rsa_key_blob(out.blob)) {
    out.problem = RsaFileAuth::NotRsa;
  } else if (cipher != "none") {
    out.problem = RsaFileAuth::EncryptedOpenSsh;
  } else {
    WireReader k(priv);
    if (!k.u32(check1) || !k.u32(check2) || check1 != check2 || !k.string(type) || type != "ssh-rsa" || !k.string(n) ||
        !k.string(pe) || !k.string(d) || !k.string(iqmp) || !k.string(p) || !k.string(q) ||
        !(out.key = rsa_from_parts(n, pe, d, iqmp, p, q)))
      out.problem = RsaFileAuth::Unreadable;
  }
  for (std::string* s : {&body, &priv, &d, &iqmp, &p, &q}) wipe(*s);
  return out;
}

int pem_passphrase(char* buf, int size, int, void* user) {
  const auto* pass = static_cast<const std::string*>(user);
  int n = int(std::min(pass->size(), size_t(size)));
  std::memcpy(buf, pass->data(), size_t(n));
  return n;
}

// PKCS#1 ("BEGIN RSA PRIVATE KEY", possibly with DEK-Info) or PKCS#8, through OpenSSL.
LoadedKey load_pem_key(const std::string& text, const std::string& passphrase) {
  LoadedKey out;
  std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new_mem_buf(text.data(), int(text.size())), BIO_free);
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, pem_passphrase, const_cast<std::string*>(&passphrase))
                      : nullptr;
  out.key.reset(key);
  if (!key) {
    out.problem = RsaFileAuth::Unreadable;
    return out;
  }
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    out.problem = RsaFileAuth::NotRsa;
    return out;
  }
  BIGNUM *n = nullptr, *e = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) && EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e)) {
    put_string(out.blob, "ssh-rsa");
    put_string(out.blob, mpint_of(e));
    put_string(out.blob, mpint_of(n));
  } else {
    out.problem = RsaFileAuth::Unreadable;
  }
  BN_free(n);
  BN_free(e);
  return out;
}

int key_sign(LIBSSH2_SESSION*, unsigned char** sig, size_t* sig_len, const unsigned char* data, size_t data_len,
             void** abstract) {
  auto* key = static_cast<EVP_PKEY*>(*abstract);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t n = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key) <= 0 ||
      EVP_DigestSign(md.get(), nullptr, &n, data, data_len) <= 0)
    return -1;
  std::string out(n, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(out.data()), &n, data, data_len) <= 0) return -1;
  out.resize(n);
  return give_signature(out, sig, sig_len);
}

}  // namespace

bool libssh2_signs_rsa_with_sha1_only() { return libssh2_version(0x010b00) == nullptr; }

bool is_rsa_key_blob(const std::string& blob) {
  WireReader r(blob);
  std::string type;
  return r.string(type) && type == "ssh-rsa";
}

bool rsa_sha2_agent_auth(LIBSSH2_SESSION* session, const std::string& user, const std::string& agent_socket,
                         const std::string& key_blob) {
  if (!is_rsa_key_blob(key_blob)) return false;
  AgentSigner signer{agent_socket, key_blob};
  void* abstract = &signer;
  std::string named = sha2_named_blob(key_blob);
  return libssh2_userauth_publickey(session, user.c_str(), reinterpret_cast<const unsigned char*>(named.data()),
                                    named.size(), agent_sign, &abstract) == 0;
}

RsaFileAuth rsa_sha2_file_auth(LIBSSH2_SESSION* session, const std::string& user, const std::string& key_path,
                               const std::string& passphrase) {
  auto text = read_file(key_path);
  if (!text) return RsaFileAuth::Unreadable;
  LoadedKey k = text->find("-----BEGIN OPENSSH PRIVATE KEY-----") != std::string::npos ? load_openssh_key(*text)
                                                                                      : load_pem_key(*text, passphrase);
  wipe(*text);
  if (k.problem != RsaFileAuth::Ok) return k.problem;
  void* abstract = k.key.get();
  std::string named = sha2_named_blob(k.blob);
  int rc = libssh2_userauth_publickey(session, user.c_str(), reinterpret_cast<const unsigned char*>(named.data()),
                                      named.size(), key_sign, &abstract);
  return rc == 0 ? RsaFileAuth::Ok : RsaFileAuth::Rejected;
}

}  // namespace rayctl
