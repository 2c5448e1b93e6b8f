// Public-key authentication (see ssh_auth.h).
#include "cluster/ssh/ssh_auth.h"

#include "cluster/ssh/ssh_rsa_sha2.h"
#include "cluster/ssh/ssh_session.h"
#include "core/content_digest.h"
#include "core/error.h"
#include "core/state_store.h"

#include <fcntl.h>
#include <libssh2.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>

namespace rayctl {
namespace {

constexpr int kPassphraseAttempts = 3;  // like OpenSSH
volatile sig_atomic_t g_prompt_signal = 0;

// Overwrites a secret before its memory is released.
void wipe(std::string& s) {
  volatile char* p = s.data();
  for (size_t i = 0; i < s.size(); ++i) p[i] = 0;
  s.clear();
}

std::string rejected_message(const SshTarget& t, const std::string& what) {
  return t.subject() + ": " + t.address() + " rejected " + what;
}

// Passphrases typed for encrypted keys, by key path, for the life of the process: every node's
// connection (and the bastion and dashboard tunnel) reuses one answer instead of asking again.
// The mutex also serialises prompting, so parallel connections never ask at the same time, and
// wrong answers are counted per key, so the user is asked at most kPassphraseAttempts times.
struct PassphraseEntry {
  std::string answer;
  bool known = false;
  int wrong = 0;
};
struct PassphraseCache {
  std::mutex mu;
  std::map<std::string, PassphraseEntry> by_key;
};
PassphraseCache& passphrase_cache() {
  static PassphraseCache cache;
  return cache;
}

// The passphrase for `key`: known, or asked for; nullopt = no way to ask. `rejected` is the
// answer that just failed for this caller: it is forgotten (and counted) unless another caller
// already replaced it. Throws Error(Auth) once kPassphraseAttempts answers were wrong.
std::optional<std::string> key_passphrase(const SshTarget& t, const std::string& key, const std::string* rejected) {
  auto& cache = passphrase_cache();
  std::lock_guard<std::mutex> g(cache.mu);
  PassphraseEntry& e = cache.by_key[key];
  if (rejected && e.known && e.answer == *rejected) {
    wipe(e.answer);
    e.known = false;
    ++e.wrong;
  }
  if (e.known) return e.answer;
  if (e.wrong >= kPassphraseAttempts)
    throw Error(ErrorKind::Auth,
                t.subject() + ": cannot use the key " + key + ": wrong passphrase (" + std::to_string(e.wrong) +
                    " tries), or a key format rayctl cannot read",
                "check the passphrase; rayctl reads OpenSSH and PEM keys (ed25519, ECDSA, RSA)", {});
  PassphraseSource ask = t.passphrase ? t.passphrase : tty_passphrase_source();
  auto answer = ask(key);
  if (answer) {
    e.answer = *answer;
    e.known = true;
  }
  return answer;
}

bool try_key_file(LIBSSH2_SESSION* s, const SshTarget& t, const std::string& key, bool required) {
  const bool encrypted = private_key_is_encrypted(key);
  int rc = 0;
  std::string passphrase;
  for (bool retry = false;; retry = true) {
    if (encrypted) {
      auto answer = key_passphrase(t, key, retry ? &passphrase : nullptr);
      wipe(passphrase);
      if (!answer) {
        if (!required) return false;
        throw Error(
            ErrorKind::Auth,
            t.subject() + ": the key " + key + " is encrypted and there is no terminal to ask for its passphrase",
            "load it into ssh-agent first (ssh-add " + key +
                ") and leave auth.ssh_private_key unset, or run on a terminal",
            {});
      }
      passphrase = std::move(*answer);
    }
    while ((rc = libssh2_userauth_publickey_fromfile(s, t.user.c_str(), nullptr, key.c_str(), passphrase.c_str())) ==
           LIBSSH2_ERROR_EAGAIN) {
    }
    // Only a wrong passphrase is worth another answer; key_passphrase bounds the tries.
    if (rc != LIBSSH2_ERROR_FILE || !encrypted) break;
  }
  bool ok = rc == 0;
#if RAYCTL_OWN_RSA_SHA2
  RsaFileAuth sha2 = RsaFileAuth::NotRsa;
  if (!ok && rc != LIBSSH2_ERROR_FILE && libssh2_signs_rsa_with_sha1_only())
    sha2 = rsa_sha2_file_auth(s, t.user, key, passphrase);  // the server may refuse SHA-1 ssh-rsa
  ok = ok || sha2 == RsaFileAuth::Ok;
#endif
  wipe(passphrase);
  if (ok) return true;
  if (!required) return false;
#if RAYCTL_OWN_RSA_SHA2
  if (sha2 == RsaFileAuth::UnsupportedCipher || sha2 == RsaFileAuth::WrongPassphrase)
    throw Error(ErrorKind::Auth,
                rejected_message(t, "the RSA key " + key +
                                        " signed with SHA-1 (ssh-rsa), and rayctl could not make an "
                                        "rsa-sha2-256 signature with it: " +
                                        (sha2 == RsaFileAuth::UnsupportedCipher
                                             ? std::string("the key is encrypted with a cipher rayctl does not read")
                                             : std::string("the passphrase does not decrypt it"))),
                "load it into ssh-agent (ssh-add " + key +
                    ") and leave auth.ssh_private_key unset, re-encrypt it with "
                    "ssh-keygen's default cipher (ssh-keygen -p -Z aes256-ctr -f " +
                    key + "), or use an ed25519 key",
                {});
#endif
  if (rc == LIBSSH2_ERROR_FILE)
    throw Error(ErrorKind::Auth, t.subject() + ": cannot use the key " + key + " (unsupported key format)",
                "rayctl reads OpenSSH and PEM keys (ed25519, ECDSA, RSA)", {});
  throw Error(ErrorKind::Auth, rejected_message(t, "the key " + key + " (publickey)"),
              "add the matching public key (" + key + ".pub) to ~" + t.user + "/.ssh/authorized_keys on " + t.host +
                  ", or fix auth.ssh_user / auth.ssh_private_key",
              {});
}

bool try_agent(LIBSSH2_SESSION* s, const SshTarget& t) {
  if (!std::getenv("SSH_AUTH_SOCK")) return false;
  LIBSSH2_AGENT* agent = libssh2_agent_init(s);
  if (!agent) return false;
  bool ok = false;
  if (libssh2_agent_connect(agent) == 0 && libssh2_agent_list_identities(agent) == 0) {
    libssh2_agent_publickey* prev = nullptr;
    libssh2_agent_publickey* id = nullptr;
    while (!ok && libssh2_agent_get_identity(agent, &id, prev) == 0) {
      int rc;
      while ((rc = libssh2_agent_userauth(agent, t.user.c_str(), id)) == LIBSSH2_ERROR_EAGAIN) {
      }
      ok = rc == 0;
#if RAYCTL_OWN_RSA_SHA2
      std::string blob(reinterpret_cast<const char*>(id->blob), id->blob_len);
      if (!ok && libssh2_signs_rsa_with_sha1_only() && is_rsa_key_blob(blob))  // retry as rsa-sha2-256
        ok = rsa_sha2_agent_auth(s, t.user, std::getenv("SSH_AUTH_SOCK"), blob);
#endif
      prev = id;
    }
    libssh2_agent_disconnect(agent);
  }
  libssh2_agent_free(agent);
  return ok;
}

}  // namespace

bool private_key_is_encrypted(const std::string& path) {
  std::ifstream in(path);
  if (!in) return false;
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bool encrypted = false;
  if (text.find("ENCRYPTED") != std::string::npos) {
    encrypted = true;
  } else {
    const std::string begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
    auto b = text.find(begin);
    auto e = text.find("-----END", b == std::string::npos ? 0 : b + begin.size());
    std::string blob;
    if (b != std::string::npos && e != std::string::npos &&
        base64_decode(std::string_view(text).substr(b + begin.size(), e - b - begin.size()), blob)) {
      const std::string magic("openssh-key-v1\0", 15);
      if (blob.compare(0, magic.size(), magic) == 0 && blob.size() >= magic.size() + 4) {
        const auto* p = reinterpret_cast<const unsigned char*>(blob.data() + magic.size());
        size_t n = size_t(p[0]) << 24 | size_t(p[1]) << 16 | size_t(p[2]) << 8 | p[3];
        encrypted = blob.compare(magic.size() + 4, n, "none") != 0;
      }
    }
    wipe(blob);
  }
  wipe(text);
  return encrypted;
}

PassphraseSource tty_passphrase_source() {
  return [](const std::string& key) -> std::optional<std::string> {
    if (!::isatty(STDIN_FILENO)) return std::nullopt;
    int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return std::nullopt;
    // Like OpenSSH's readpassphrase: echo goes off *before* the prompt shows (TCSAFLUSH drops
    // what was typed earlier, never the answer), and a signal during the prompt restores the
    // terminal before it takes effect.
    termios old{};
    bool restore = ::tcgetattr(fd, &old) == 0;
    if (restore) {
      termios quiet = old;
      quiet.c_lflag &= ~tcflag_t(ECHO | ECHONL);
      quiet.c_lflag |= ICANON;
      ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    g_prompt_signal = 0;
    struct sigaction sa {
    }, saved[3];
    const int sigs[3] = {SIGINT, SIGTERM, SIGHUP};
    sa.sa_handler = [](int sig) { g_prompt_signal = sig; };
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i) ::sigaction(sigs[i], &sa, &saved[i]);
    std::string prompt = "Enter passphrase for key " + key + ": ";
    (void)!::write(fd, prompt.data(), prompt.size());
    std::string answer;
    bool complete = false;
    for (char c; g_prompt_signal == 0;) {
      ssize_t n = ::read(fd, &c, 1);
      if (n == 1 && c != '\n')
        answer += c;
      else if (n < 0 && errno == EINTR)
        continue;
      else {
        complete = n == 1;
        break;
      }
    }
    if (restore) ::tcsetattr(fd, TCSAFLUSH, &old);
    (void)!::write(fd, "\n", 1);
    ::close(fd);
    for (int i = 0; i < 3; ++i) ::sigaction(sigs[i], &saved[i], nullptr);
    if (int sig = g_prompt_signal) {
      wipe(answer);
      ::raise(sig);  // the caller's own handling (rayctl's cancel flag, or the default action)
      throw Error(ErrorKind::Cancelled, "passphrase prompt interrupted", {}, {});
    }
    if (!complete) {
      wipe(answer);
      throw Error(ErrorKind::Auth, "no passphrase was given for the key " + key + " (end of input)",
                  "type it at the prompt, or load the key into ssh-agent", {});
    }
    return answer;
  };
}

void unlock_private_key(const std::string& key_path) {
  if (key_path.empty() || !private_key_is_encrypted(key_path)) return;
  SshTarget t;
  key_passphrase(t, key_path, nullptr);
}

void authenticate_ssh(LIBSSH2_SESSION* s, const SshTarget& t) {
  char* methods = libssh2_userauth_list(s, t.user.c_str(), unsigned(t.user.size()));
  if (!methods && libssh2_userauth_authenticated(s)) return;
  if (methods && !std::strstr(methods, "publickey"))
    throw Error(
        ErrorKind::Auth,
        t.subject() + ": " + t.address() + " does not offer public-key authentication (offers: " + methods + ")",
        "rayctl authenticates with keys only; enable PubkeyAuthentication on the node", {});
  if (!t.private_key.empty()) {
    if (!std::filesystem::exists(t.private_key))
      throw Error(ErrorKind::Auth, t.subject() + ": the key file " + t.private_key + " does not exist",
                  "fix auth.ssh_private_key in the cluster file", {});
    try_key_file(s, t, t.private_key, true);
    return;
  }
  if (try_agent(s, t)) return;
  const char* home = std::getenv("HOME");
  for (const char* name : {"id_ed25519", "id_ecdsa", "id_rsa"}) {
    std::string key = std::string(home ? home : "") + "/.ssh/" + name;
    if (std::filesystem::exists(key) && try_key_file(s, t, key, false)) return;
  }
  throw Error(ErrorKind::Auth, rejected_message(t, "every key tried (ssh-agent and ~/.ssh/id_*)"),
              "set auth.ssh_private_key in the cluster file, or load the right key into ssh-agent", {});
}

}  // namespace rayctl
