// Host-key verification against an OpenSSH known_hosts file: a known matching key passes, an
// unknown host is an error unless accepting new keys (then its key is appended), and a changed
// key is always an error naming the host and the offered key's SHA256 fingerprint.
#pragma once

#include <string>

typedef struct _LIBSSH2_SESSION LIBSSH2_SESSION;

namespace rayctl {

struct SshTarget;

struct HostKeyVerdict {
  std::string fingerprint;  // "SHA256:..."
  std::string key_type;     // "ssh-ed25519", "ssh-rsa", ...
  bool added = false;       // appended to known_hosts (accept-new)
};

// Checks the session's host key; throws Error(HostKey) on an unknown or changed key.
HostKeyVerdict verify_host_key(LIBSSH2_SESSION* session, const SshTarget& target);

// "SHA256:<base64 without padding>" of raw key bytes (OpenSSH's fingerprint format).
std::string ssh_fingerprint_sha256(const std::string& key_blob);
// The known_hosts path a target uses ($HOME/.ssh/known_hosts when unset).
std::string known_hosts_path(const SshTarget& target);

}  // namespace rayctl
