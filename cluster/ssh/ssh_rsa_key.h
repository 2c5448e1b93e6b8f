// RsaPrivateKey: an RSA private key read from an SSH key file, and rsa-sha2-256 signatures made
// with it (RSASSA-PKCS1-v1_5 over SHA-256, RFC 8332) — what ssh_rsa_sha2.h needs because
// libssh2 < 1.11 signs RSA with SHA-1 only. Formats read:
//   - PEM through OpenSSL: PKCS#1 ("BEGIN RSA PRIVATE KEY", with DEK-Info when encrypted) and
//     PKCS#8 (encrypted or not);
//   - OpenSSH's own format ("BEGIN OPENSSH PRIVATE KEY"), unencrypted or passphrase-protected
//     with the bcrypt KDF (bcrypt_pbkdf.h) and aes128/192/256-ctr, -cbc or aes128/256-gcm@openssh.com
//     (ssh-keygen's default is aes256-ctr). chacha20-poly1305@openssh.com is not read.
// Secrets (the file's private part, derived keys) are wiped after use; the EVP_PKEY is freed
// with the object. It does no I/O: callers pass the file's text.
#pragma once

#include "cluster/ssh/ssh_rsa_fallback.h"

#if RAYCTL_OWN_RSA_SHA2

#include <memory>
#include <string>

typedef struct evp_pkey_st EVP_PKEY;

namespace rayctl {

enum class RsaKeyProblem {
  None,
  NotRsa,             // a key of another type (ed25519, ECDSA, ...)
  Unreadable,         // not a key file rayctl understands, or damaged
  WrongPassphrase,    // encrypted, and the passphrase does not open it (or none was given)
  UnsupportedCipher,  // an OpenSSH-format key encrypted with a cipher not read here
};

// True when a public-key blob (SSH wire format) is an RSA key ("ssh-rsa").
bool is_rsa_key_blob(const std::string& blob);

class RsaPrivateKey {
 public:
  // Parses a key file's text. Never throws; see problem().
  static RsaPrivateKey parse(const std::string& text, const std::string& passphrase);

  RsaKeyProblem problem() const { return problem_; }
  // For UnsupportedCipher: the cipher's name, as the file gives it.
  const std::string& cipher() const { return cipher_; }
  // The public key in SSH wire format ("ssh-rsa", e, n); empty unless problem() is None.
  const std::string& public_blob() const { return blob_; }
  // The raw RSASSA-PKCS1-v1_5 SHA-256 signature of `data` (the modulus' size), "" on failure.
  std::string sign_sha256(const unsigned char* data, size_t len) const;

 private:
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key_{nullptr, nullptr};
  std::string blob_;
  std::string cipher_;
  RsaKeyProblem problem_ = RsaKeyProblem::Unreadable;
};

}  // namespace rayctl

#endif  // RAYCTL_OWN_RSA_SHA2
