// RSA public-key authentication with rsa-sha2-256 signatures (RFC 8332) on libssh2 < 1.11.
// Those libssh2 versions (Debian 12 ships 1.10) sign RSA keys only as "ssh-rsa" (SHA-1), which
// OpenSSH >= 8.8 refuses by default ("signature algorithm ssh-rsa not in
// PubkeyAcceptedAlgorithms"). When that happens, ssh_auth.cpp retries here: the request names the
// algorithm rsa-sha2-256 and the signature is made by ssh-agent (flag SSH_AGENT_RSA_SHA2_256) or
// here with OpenSSL from the key file (ssh_rsa_key.h reads it). Not used for other key types, nor
// with libssh2 >= 1.11.
#pragma once

#include "cluster/ssh/ssh_rsa_fallback.h"

#if RAYCTL_OWN_RSA_SHA2

#include "cluster/ssh/ssh_rsa_key.h"

#include <cstddef>
#include <string>

typedef struct _LIBSSH2_SESSION LIBSSH2_SESSION;

namespace rayctl {

// True when the libssh2 in use signs RSA keys only with SHA-1 (before 1.11.0).
bool libssh2_signs_rsa_with_sha1_only();

// Authenticates `user` with the RSA identity `key_blob` held by the ssh-agent at `agent_socket`,
// asking the agent for an rsa-sha2-256 signature. True on success.
bool rsa_sha2_agent_auth(LIBSSH2_SESSION* session, const std::string& user, const std::string& agent_socket,
                         const std::string& key_blob);

// The outcome of authenticating with a key file here.
enum class RsaFileAuth { Ok, Rejected, NotRsa, Unreadable, WrongPassphrase, UnsupportedCipher };

// Authenticates `user` with an RSA key file (any format RsaPrivateKey reads, encrypted OpenSSH
// format included), signing rsa-sha2-256 with OpenSSL. Secrets are wiped after use.
RsaFileAuth rsa_sha2_file_auth(LIBSSH2_SESSION* session, const std::string& user, const std::string& key_path,
                               const std::string& passphrase);

// What the request names as the key: `blob` with its type string replaced by "rsa-sha2-256"
// ("" when the blob is malformed). Exposed for tests.
std::string rsa_sha2_named_blob(const std::string& blob);

// The signing callback given to libssh2_userauth_publickey(): *abstract is a const
// RsaPrivateKey*; the signature is returned in memory from malloc(), which libssh2 frees with its
// default allocator. Returns 0, or -1 on failure. Exposed so that tests can drive it.
int rsa_sha2_sign_callback(LIBSSH2_SESSION* session, unsigned char** sig, size_t* sig_len, const unsigned char* data,
                           size_t data_len, void** abstract);

}  // namespace rayctl

#endif  // RAYCTL_OWN_RSA_SHA2
