// Public-key authentication of an SshSession: the configured key file (OpenSSH or PEM format,
// ed25519/ECDSA/RSA; a passphrase is asked for only when the key is encrypted, once per process
// and key, up to three times when it is wrong), else every identity of ssh-agent, else the
// default key files. Failures name the node, the user and the
// key; no key material or passphrase ever appears in a message.
#pragma once

#include <string>

typedef struct _LIBSSH2_SESSION LIBSSH2_SESSION;

namespace rayctl {

struct SshTarget;

// Authenticates or throws Error(Auth).
void authenticate_ssh(LIBSSH2_SESSION* session, const SshTarget& target);

// For an encrypted key file: asks for its passphrase now, on the terminal, unless already
// known. Commands call it before their progress output starts, so the prompt is not drawn over;
// every connection of the process then reuses the answer (held in memory only, never written).
// Does nothing for a plain key or without a terminal (connecting then reports the error).
void unlock_private_key(const std::string& key_path);

// True when a private key file is protected by a passphrase (OpenSSH "openssh-key-v1" with a
// cipher other than "none", or a PEM key marked ENCRYPTED). Reads the file.
bool private_key_is_encrypted(const std::string& path);

}  // namespace rayctl
