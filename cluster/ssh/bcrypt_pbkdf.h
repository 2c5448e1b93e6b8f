// bcrypt_pbkdf: the key-derivation function OpenSSH uses for passphrase-protected keys in its own
// format ("-----BEGIN OPENSSH PRIVATE KEY-----", kdf "bcrypt"). It is PBKDF2 built on a
// SHA-512-keyed, 64-round Blowfish "bcrypt_hash", as in OpenBSD's bcrypt_pbkdf.c; OpenSSL has no
// such function. Used by ssh_rsa_key.h to decrypt RSA keys for rsa-sha2-256 signing.
#pragma once

#include "cluster/ssh/ssh_rsa_fallback.h"

#if RAYCTL_OWN_RSA_SHA2

#include <cstddef>
#include <cstdint>
#include <string>

namespace rayctl {

// Derives `key_len` bytes (1..1024) from `passphrase` and `salt` with `rounds` rounds (OpenSSH's
// default is 16). Returns "" when an argument is out of range (empty passphrase or salt, no
// rounds): OpenBSD's implementation refuses those too.
std::string bcrypt_pbkdf(const std::string& passphrase, const std::string& salt, size_t key_len, unsigned rounds);

}  // namespace rayctl

#endif  // RAYCTL_OWN_RSA_SHA2
