// SshSessionPool: the SSH connections of one rayctl operation, one per node, opened on first
// use and reused for every command and upload on that node. SshRunner is the RemoteRunner over
// a pooled session. Each node's session is used only by the thread working on that node.
#pragma once

#include "cluster/nodes/remote_runner.h"
#include "cluster/ssh/ssh_session.h"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace rayctl {

// A map of lazily opened values, one per key, each opened at most once even when threads
// race for the same key; different keys open in parallel. Templated so tests can race fakes.
template <class T>
class OpenOnceMap {
 public:
  using Opener = std::function<std::unique_ptr<T>()>;
  // The key's value, calling `open` (which may throw) when there is none yet.
  T& get(const std::string& key, const Opener& open) {
    std::shared_ptr<std::mutex> opening;
    {
      std::lock_guard<std::mutex> g(mu_);
      auto it = values_.find(key);
      if (it != values_.end()) return *it->second;
      auto& m = opening_[key];
      if (!m) m = std::make_shared<std::mutex>();
      opening = m;
    }
    // One opener per key; the others wait for it. mu_ is not held: other keys open meanwhile.
    std::lock_guard<std::mutex> once(*opening);
    {
      std::lock_guard<std::mutex> g(mu_);
      auto it = values_.find(key);
      if (it != values_.end()) return *it->second;  // opened while this thread waited
    }
    auto v = open();
    std::lock_guard<std::mutex> g(mu_);
    auto& slot = values_[key];
    if (!slot) slot = std::move(v);  // never replace (and so free) a value someone may be using
    return *slot;
  }
  // Removes the key's value and hands it over (destroyed by the caller, outside the lock).
  std::unique_ptr<T> take(const std::string& key) {
    std::lock_guard<std::mutex> g(mu_);
    auto it = values_.find(key);
    if (it == values_.end()) return nullptr;
    auto v = std::move(it->second);
    values_.erase(it);
    return v;
  }
  std::map<std::string, std::unique_ptr<T>> take_all() {
    std::lock_guard<std::mutex> g(mu_);
    return std::exchange(values_, {});
  }
  size_t size() const {
    std::lock_guard<std::mutex> g(mu_);
    return values_.size();
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<T>> values_;
  std::map<std::string, std::shared_ptr<std::mutex>> opening_;  // per key, while opening
};

class SshSessionPool {
 public:
  // The node's session, connecting on first use (throws like SshSession::open).
  SshSession& session(const SshTarget& target, const CancelFlag* cancel);
  // Drops (disconnects) a node's session, e.g. after its connection was lost.
  void drop(const std::string& node);
  void close_all();
  size_t size() const;

 private:
  OpenOnceMap<SshSession> sessions_;
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
  void upload(const std::string& local_path, const std::string& remote_path,
              const UploadProgress& progress = {}) override;
  void close() override;
  const SshTarget& target() const { return target_; }

 private:
  SshTarget target_;
  SshSessionPool& pool_;
};

// The shell text for a RemoteCommand: "bash --login -c '<export K=V; ...; script>'".
std::string login_shell_command(const RemoteCommand& cmd);

}  // namespace rayctl
