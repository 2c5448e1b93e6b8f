// SshSession: one authenticated SSH connection to one node, on libssh2. It verifies the host
// key against known_hosts (always), authenticates with a key file, ssh-agent or the default
// keys, and then runs commands (streamed output + exit status), uploads files over SFTP and
// opens interactive PTY shells — all over the same connection. Connecting is retried with
// backoff on network errors only; commands are never re-run. A session is used by one thread
// at a time. Bastions (ProxyJump) are reached through a forwarded channel (ssh_forwarder.h).
#pragma once

#include "cluster/nodes/remote_runner.h"
#include "core/error.h"

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <sys/types.h>

typedef struct _LIBSSH2_SESSION LIBSSH2_SESSION;
typedef struct _LIBSSH2_SFTP LIBSSH2_SFTP;

namespace rayctl {

class SshForwarder;
class ProxyProcess;

// Asks for a key's passphrase; nullopt = no way to ask (no TTY). The answer is never logged.
using PassphraseSource = std::function<std::optional<std::string>(const std::string& key_path)>;
// The default: prompts on /dev/tty with echo off when stdin is a terminal, else nullopt.
PassphraseSource tty_passphrase_source();

// A jump host ("user@host:port", like ssh -J).
struct SshJump {
  std::string user;
  std::string host;
  int port = 22;
};
// Parses "[user@]host[:port]"; throws Error(Invalid) on a malformed value.
SshJump parse_ssh_jump(const std::string& text, const std::string& default_user);

// Everything needed to reach and authenticate to one node.
struct SshTarget {
  std::string node;  // node name for messages
  std::string host;
  int port = 22;
  std::string user;
  std::string private_key;            // path; "" = ssh-agent, then ~/.ssh/id_ed25519, id_ecdsa, id_rsa
  std::string known_hosts;            // "" = ~/.ssh/known_hosts
  bool accept_new_host_keys = false;  // like StrictHostKeyChecking=accept-new
  std::optional<SshJump> bastion;
  // OpenSSH's ProxyCommand (tokens %h %p %r %n unexpanded): the connection goes through its
  // stdin/stdout instead of TCP (proxy_process.h). Exclusive with `bastion`.
  std::string proxy_command;
  std::string alias;  // the host as the user wrote it, when ~/.ssh/config mapped it (%n)
  std::chrono::milliseconds connect_timeout{10000};
  // Like OpenSSH's ServerAliveInterval / ServerAliveCountMax: a keepalive after this many
  // seconds without traffic; the node is declared dead after alive_count_max intervals without
  // a byte from it (0 = never). Direct sockets also get TCP_USER_TIMEOUT of the same length.
  int alive_interval_s = 10;
  int alive_count_max = 3;
  int connect_attempts = 3;                      // tries for network errors (refused, timed out); never for auth
  std::chrono::milliseconds retry_backoff{500};  // doubles after each failed try
  PassphraseSource passphrase;                   // unset = tty_passphrase_source()

  std::string address() const;  // "user@host:port"
  // Silence after which the node is declared dead (alive_interval_s x alive_count_max); 0 = never.
  std::chrono::seconds dead_after() const;
  std::string subject() const { return "node " + node; }
};

class SshSession {
 public:
  // Connects, verifies the host key and authenticates; throws Error(Network|Auth|HostKey|
  // Cancelled) whose message names the node and address.
  static std::unique_ptr<SshSession> open(const SshTarget& target, const CancelFlag* cancel = nullptr);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  const SshTarget& target() const { return target_; }

  // Runs `command` (interpreted by the remote user's shell) and returns its exit code.
  // Output lines go to `sink`. When `cancel` is set the remote command's process group is sent
  // SIGTERM (through a watcher reading the channel's stdin) and kCancelledExit is returned.
  int exec(const std::string& command, const OutputSink& sink, const CancelFlag& cancel);
  // Uploads a local file over SFTP (parent directories must exist), with `mode`.
  void upload(const std::string& local_path, const std::string& remote_path, unsigned mode,
              const UploadProgress& progress = {});
  // Interactive session with a PTY on the local terminal (raw mode, window size forwarded).
  // `command` empty = the login shell. Returns the remote exit status.
  int interactive(const std::string& command);

  LIBSSH2_SESSION* raw() const { return session_; }
  int socket_fd() const { return sock_; }
  // Waits until the socket is ready in the direction libssh2 needs (or timeout).
  void wait_socket(int timeout_ms) const;
  // Sends a keepalive when one is due and throws Error(Network) naming the node once nothing
  // has come from it for target().dead_after() since `since` (the start of the current wait).
  void keep_alive(std::chrono::steady_clock::time_point since, const std::string& when);

 private:
  SshSession(SshTarget target);
  void connect_once(const CancelFlag* cancel);
  void close_all();
  // Error(Network) for a connection that failed `when` ("while running a command"), with
  // libssh2's reason; the command's outcome is unknown and it is never re-run.
  Error lost(const std::string& when) const;
  // libssh2's receive callback: recv(2) that notes when bytes last arrived.
  static ssize_t recv_hook(int fd, void* buf, size_t len, int flags, void** abstract);

  SshTarget target_;
  int sock_ = -1;
  LIBSSH2_SESSION* session_ = nullptr;
  LIBSSH2_SFTP* sftp_ = nullptr;
  std::unique_ptr<SshForwarder> jump_;                        // keeps the bastion connection alive
  std::atomic<std::chrono::steady_clock::rep> last_recv_{0};  // steady_clock ticks
  std::unique_ptr<ProxyProcess> proxy_;                       // the ProxyCommand, ended with the session
};

// The shell text SshSession::exec sends: the command plus a watcher that turns a "cancel"
// line on stdin into SIGTERM for the command's process group. Exposed for tests.
std::string wrap_cancellable(const std::string& command);

}  // namespace rayctl
