// RSA public-key authentication with rsa-sha2-256 signatures (RFC 8332) on libssh2 < 1.11.
// Those libssh2 versions (Debian 12 ships 1.10) sign RSA keys only as "ssh-rsa" (SHA-1), which
// OpenSSH >= 8.8 refuses by default ("signature algorithm ssh-rsa not in
// PubkeyAcceptedAlgorithms"). When that happens, ssh_auth.cpp retries here: the request names the
// algorithm rsa-sha2-256 and the signature is made by ssh-agent (flag SSH_AGENT_RSA_SHA2_256) or
// here with OpenSSL from the key file. Not used for other key types, nor with libssh2 >= 1.11.
#pragma once

#include <string>

typedef struct _LIBSSH2_SESSION LIBSSH2_SESSION;

namespace rayctl {

// True when the libssh2 in use signs RSA keys only with SHA-1 (before 1.11.0).
bool libssh2_signs_rsa_with_sha1_only();

// True when a public-key blob (SSH wire format) is an RSA key ("ssh-rsa").
bool is_rsa_key_blob(const std::string& blob);

// Authenticates `user` with the RSA identity `key_blob` held by the ssh-agent at `agent_socket`,
// asking the agent for an rsa-sha2-256 signature. True on success.
bool rsa_sha2_agent_auth(LIBSSH2_SESSION* session, const std::string& user, const std::string& agent_socket,
                         const std::string& key_blob);

// The outcome of authenticating with a key file here.
enum class RsaFileAuth { Ok, Rejected, NotRsa, Unreadable, EncryptedOpenSsh };

// Authenticates `user` with an RSA key file in PEM (PKCS#1, PKCS#8, encrypted or not) or
// unencrypted OpenSSH format, signing rsa-sha2-256 with OpenSSL. An encrypted OpenSSH-format key
// (bcrypt KDF) cannot be read here: EncryptedOpenSsh. Secrets are wiped after use.
RsaFileAuth rsa_sha2_file_auth(LIBSSH2_SESSION* session, const std::string& user, const std::string& key_path,
                               const std::string& passphrase);

}  // namespace rayctl
