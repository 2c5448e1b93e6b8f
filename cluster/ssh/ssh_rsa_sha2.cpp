// rsa-sha2-256 public-key authentication over libssh2 < 1.11 (see ssh_rsa_sha2.h).
//
// libssh2_userauth_publickey() names the algorithm after the first string of the public-key
// blob it is given, and signs through our callback. Giving it the RSA blob with that string
// set to "rsa-sha2-256" makes the request say rsa-sha2-256 (the server reads the key type from
// the blob's name, which OpenSSH maps to RSA); the callback returns a PKCS#1 v1.5 SHA-256
// signature of exactly the bytes libssh2 asks for.
#include "cluster/ssh/ssh_rsa_fallback.h"

#if RAYCTL_OWN_RSA_SHA2

#include "cluster/ssh/ssh_rsa_sha2.h"

#include "cluster/ssh/ssh_wire.h"
#include "core/state_store.h"

#include <libssh2.h>
#include <openssl/crypto.h>
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

void wipe(std::string& s) {
  OPENSSL_cleanse(s.data(), s.size());
  s.clear();
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
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      io_all(true, framed.data(), framed.size()) && io_all(false, reinterpret_cast<char*>(len), 4)) {
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

}  // namespace

bool libssh2_signs_rsa_with_sha1_only() { return libssh2_version(0x010b00) == nullptr; }

std::string rsa_sha2_named_blob(const std::string& blob) {
  WireReader r(blob);
  std::string type;
  if (!r.string(type)) return {};
  std::string out;
  put_string(out, kSigAlg);
  out.append(blob, 4 + type.size(), std::string::npos);
  return out;
}

int rsa_sha2_sign_callback(LIBSSH2_SESSION*, unsigned char** sig, size_t* sig_len, const unsigned char* data,
                           size_t data_len, void** abstract) {
  const auto* key = static_cast<const RsaPrivateKey*>(*abstract);
  std::string signature = key->sign_sha256(data, data_len);
  int rc = give_signature(signature, sig, sig_len);
  wipe(signature);
  return rc;
}

bool rsa_sha2_agent_auth(LIBSSH2_SESSION* session, const std::string& user, const std::string& agent_socket,
                         const std::string& key_blob) {
  if (!is_rsa_key_blob(key_blob)) return false;
  AgentSigner signer{agent_socket, key_blob};
  void* abstract = &signer;
  std::string named = rsa_sha2_named_blob(key_blob);
  return libssh2_userauth_publickey(session, user.c_str(), reinterpret_cast<const unsigned char*>(named.data()),
                                    named.size(), agent_sign, &abstract) == 0;
}

RsaFileAuth rsa_sha2_file_auth(LIBSSH2_SESSION* session, const std::string& user, const std::string& key_path,
                               const std::string& passphrase) {
  auto text = read_file(key_path);
  if (!text) return RsaFileAuth::Unreadable;
  RsaPrivateKey key = RsaPrivateKey::parse(*text, passphrase);
  wipe(*text);
  switch (key.problem()) {
    case RsaKeyProblem::None: break;
    case RsaKeyProblem::NotRsa: return RsaFileAuth::NotRsa;
    case RsaKeyProblem::Unreadable: return RsaFileAuth::Unreadable;
    case RsaKeyProblem::WrongPassphrase: return RsaFileAuth::WrongPassphrase;
    case RsaKeyProblem::UnsupportedCipher: return RsaFileAuth::UnsupportedCipher;
  }
  const RsaPrivateKey* signer = &key;
  void* abstract = const_cast<RsaPrivateKey*>(signer);
  std::string named = rsa_sha2_named_blob(key.public_blob());
  int rc = libssh2_userauth_publickey(session, user.c_str(), reinterpret_cast<const unsigned char*>(named.data()),
                                      named.size(), rsa_sha2_sign_callback, &abstract);
  return rc == 0 ? RsaFileAuth::Ok : RsaFileAuth::Rejected;
}

}  // namespace rayctl

#endif  // RAYCTL_OWN_RSA_SHA2
