// known_hosts verification (see ssh_host_key.h).
#include "cluster/ssh/ssh_host_key.h"

#include "cluster/ssh/ssh_session.h"
#include "core/content_digest.h"
#include "core/error.h"

#include <fcntl.h>
#include <libssh2.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>

namespace rayctl {
namespace {

struct KeyKind {
  int knownhost_mask;
  const char* name;
};

KeyKind key_kind(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA: return {LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa"};
#ifdef LIBSSH2_HOSTKEY_TYPE_ECDSA_256
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256: return {LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256"};
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384: return {LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384"};
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521: return {LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521"};
#endif
#ifdef LIBSSH2_HOSTKEY_TYPE_ED25519
    case LIBSSH2_HOSTKEY_TYPE_ED25519: return {LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519"};
#endif
    case LIBSSH2_HOSTKEY_TYPE_DSS: return {LIBSSH2_KNOWNHOST_KEY_SSHDSS, "ssh-dss"};
    default: return {LIBSSH2_KNOWNHOST_KEY_UNKNOWN, "unknown"};
  }
}

// known_hosts writes from parallel node threads must not interleave.
std::mutex& known_hosts_mutex() {
  static std::mutex mu;
  return mu;
}

std::string host_pattern(const SshTarget& t) {
  return t.port == 22 ? t.host : "[" + t.host + "]:" + std::to_string(t.port);
}

void append_known_host(LIBSSH2_KNOWNHOSTS* hosts, const std::string& path, const SshTarget& t, const char* key,
                       size_t len, int mask) {
  libssh2_knownhost* entry = nullptr;
  std::string pattern = host_pattern(t);
  if (libssh2_knownhost_addc(hosts, pattern.c_str(), nullptr, key, len, nullptr, 0,
                             LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | mask, &entry) != 0)
    throw Error(ErrorKind::Internal, "cannot record the host key of " + t.host, {}, {});
  char line[16384];
  size_t out_len = 0;
  if (libssh2_knownhost_writeline(hosts, entry, line, sizeof line, &out_len, LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0)
    throw Error(ErrorKind::Internal, "cannot format the known_hosts line for " + t.host, {}, {});
  std::filesystem::path p(path);
  if (p.has_parent_path() && !std::filesystem::exists(p.parent_path())) {
    std::filesystem::create_directories(p.parent_path());
    ::chmod(p.parent_path().c_str(), 0700);
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(ErrorKind::Io, "cannot write " + path, {}, {});
  std::string text(line, out_len);
  if (text.empty() || text.back() != '\n') text += '\n';
  ssize_t n = ::write(fd, text.data(), text.size());
  ::close(fd);
  if (n != ssize_t(text.size())) throw Error(ErrorKind::Io, "cannot write " + path, {}, {});
}

}  // namespace

std::string ssh_fingerprint_sha256(const std::string& key_blob) {
  Sha256 h;
  h.update(key_blob);
  auto d = h.digest();
  return "SHA256:" + base64_encode(std::string_view(reinterpret_cast<const char*>(d.data()), d.size()), false);
}

std::string known_hosts_path(const SshTarget& t) {
  if (!t.known_hosts.empty()) return t.known_hosts;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.ssh/known_hosts";
}

HostKeyVerdict verify_host_key(LIBSSH2_SESSION* session, const SshTarget& t) {
  size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(session, &len, &type);
  if (!key) throw Error(ErrorKind::HostKey, t.subject() + ": " + t.host + " sent no host key", {}, {});
  KeyKind kind = key_kind(type);
  HostKeyVerdict v{ssh_fingerprint_sha256(std::string(key, len)), kind.name, false};
  std::string path = known_hosts_path(t);

  std::lock_guard<std::mutex> guard(known_hosts_mutex());
  std::unique_ptr<LIBSSH2_KNOWNHOSTS, void (*)(LIBSSH2_KNOWNHOSTS*)> hosts(libssh2_knownhost_init(session),
                                                                           libssh2_knownhost_free);
  if (!hosts) throw Error(ErrorKind::Internal, "libssh2_knownhost_init failed");
  if (std::filesystem::exists(path) &&
      libssh2_knownhost_readfile(hosts.get(), path.c_str(), LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0)
    throw Error(ErrorKind::HostKey, "cannot read known_hosts file " + path, "fix or remove the malformed lines", {},
                t.subject());
  libssh2_knownhost* found = nullptr;
  int rc = libssh2_knownhost_checkp(hosts.get(), t.host.c_str(), t.port, key, len,
                                    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kind.knownhost_mask,
                                    &found);
  switch (rc) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH: return v;
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
      throw Error(ErrorKind::HostKey,
                  t.subject() + ": the host key of " + host_pattern(t) + " has CHANGED: it now offers " + kind.name +
                      " " + v.fingerprint + ", which does not match " + path,
                  "someone may be intercepting the connection, or the host was reinstalled; if you trust the new key, "
                  "remove the old one with: ssh-keygen -R '" +
                      host_pattern(t) + "' -f " + path,
                  {});
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
      if (!t.accept_new_host_keys)
        throw Error(ErrorKind::HostKey,
                    t.subject() + ": " + host_pattern(t) + " is not in known_hosts (" + path + "); it offers " +
                        kind.name + " " + v.fingerprint,
                    "verify the fingerprint, then re-run with --accept-new-host-keys (records it), or add it with "
                    "ssh-keyscan",
                    {});
      append_known_host(hosts.get(), path, t, key, len, kind.knownhost_mask);
      v.added = true;
      return v;
    default: throw Error(ErrorKind::HostKey, t.subject() + ": cannot check the host key of " + t.host, {}, {});
  }
}

}  // namespace rayctl
