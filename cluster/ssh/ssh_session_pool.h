// SshSessionPool: the SSH connections of one rayctl operation, one per node, opened on first
// use and reused for every command and upload on that node. SshRunner is the RemoteRunner over
// a pooled session. Each node's session is used only by the thread working on that node.
#pragma once

#include "cluster/nodes/remote_runner.h"
#include "cluster/ssh/ssh_session.h"

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace rayctl {

class SshSessionPool {
 public:
  // The node's session, connecting on first use (throws like SshSession::open).
  SshSession& session(const SshTarget& target, const CancelFlag* cancel);
  // Drops (disconnects) a node's session, e.g. after its connection was lost.
  void drop(const std::string& node);
  void close_all();
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<SshSession>> sessions_;
};

// Runs a node's commands over its pooled SSH session: `bash --login -c` with the command's
// variables exported first, so PATH set in the user's profile applies (as with `ray up`).
class SshRunner : public RemoteRunner {
 public:
  SshRunner(SshTarget target, SshSessionPool& pool) : target_(std::move(target)), pool_(pool) {}
  const std::string& node() const override { return target_.node; }
  std::string address() const override { return target_.address(); }
  void connect(const CancelFlag& cancel) override;
  int run(const RemoteCommand& cmd, const OutputSink& sink, const CancelFlag& cancel) override;
  void upload(const std::string& local_path, const std::string& remote_path) override;
  void close() override;
  const SshTarget& target() const { return target_; }

 private:
  SshTarget target_;
  SshSessionPool& pool_;
};

// The shell text for a RemoteCommand: "bash --login -c '<export K=V; ...; script>'".
std::string login_shell_command(const RemoteCommand& cmd);

}  // namespace rayctl
