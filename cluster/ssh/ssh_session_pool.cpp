// One SSH connection per node, and the RemoteRunner over it (see ssh_session_pool.h).
#include "cluster/ssh/ssh_session_pool.h"

#include "core/error.h"
#include "core/process.h"

#include <sys/stat.h>

#include <filesystem>

namespace rayctl {

SshSession& SshSessionPool::session(const SshTarget& target, const CancelFlag* cancel) {
  return sessions_.get(target.node, [&] { return SshSession::open(target, cancel); });
}

void SshSessionPool::drop(const std::string& node) { sessions_.take(node); }

void SshSessionPool::close_all() { sessions_.take_all(); }

size_t SshSessionPool::size() const { return sessions_.size(); }

std::string login_shell_command(const RemoteCommand& cmd) {
  std::string script;
  for (const auto& [k, v] : cmd.env) script += "export " + k + "=" + shell_quote(v) + "; ";
  script += cmd.script;
  return "bash --login -c " + shell_quote(script);
}

void SshRunner::connect(const CancelFlag& cancel) { pool_.session(target_, &cancel); }

int SshRunner::run(const RemoteCommand& cmd, const OutputSink& sink, const CancelFlag& cancel) {
  SshSession& s = pool_.session(target_, &cancel);
  try {
    return s.exec(login_shell_command(cmd), sink, cancel);
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::Network) pool_.drop(target_.node);
    throw;
  }
}

void SshRunner::upload(const std::string& local_path, const std::string& remote_path, const UploadProgress& progress) {
  SshSession& s = pool_.session(target_, nullptr);
  struct stat st {};
  unsigned mode = ::stat(local_path.c_str(), &st) == 0 ? unsigned(st.st_mode & 07777) : 0644u;
  std::string parent = std::filesystem::path(remote_path).parent_path().string();
  if (!parent.empty()) {
    CancelFlag never;
    int rc = s.exec("mkdir -p " + shell_quote(parent), {}, never);
    if (rc != 0)
      throw Error(ErrorKind::Remote,
                  target_.subject() + ": cannot create " + parent + " (exit " + std::to_string(rc) + ")", {}, {});
  }
  s.upload(local_path, remote_path, mode, progress);
}

void SshRunner::close() { pool_.drop(target_.node); }

}  // namespace rayctl
