// Whether rayctl carries its own rsa-sha2-256 signing and RSA key-file reading (ssh_rsa_sha2.h,
// ssh_rsa_key.h, bcrypt_pbkdf.h). libssh2 before 1.11 signs RSA keys with SHA-1 only ("ssh-rsa"),
// which OpenSSH >= 8.8 refuses; libssh2 1.11 signs rsa-sha2-256/512 and reads passphrase-protected
// OpenSSH keys itself, so against it those files compile to nothing and ssh_auth.cpp leaves the
// RSA retry out. Debian 12 ships libssh2 1.10.
#pragma once

#include <libssh2.h>

#if LIBSSH2_VERSION_NUM < 0x010B00
#define RAYCTL_OWN_RSA_SHA2 1
#else
#define RAYCTL_OWN_RSA_SHA2 0
#endif
