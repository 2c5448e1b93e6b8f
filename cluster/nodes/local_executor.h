// LocalRunner: the RemoteRunner for nodes that are this machine (127.0.0.1, localhost, ::1).
// Commands run under `bash -c` in a new process group (SIGTERM to the group on cancel), files
// are copied directly; no SSH is involved. It is what `rayctl up` of a local cluster uses.
#pragma once

#include "cluster/nodes/remote_runner.h"

#include <string>

namespace rayctl {

class LocalRunner : public RemoteRunner {
 public:
  explicit LocalRunner(std::string node) : node_(std::move(node)) {}
  const std::string& node() const override { return node_; }
  std::string address() const override { return "local"; }
  void connect(const CancelFlag&) override {}
  int run(const RemoteCommand& cmd, const OutputSink& sink, const CancelFlag& cancel) override;
  void upload(const std::string& local_path, const std::string& remote_path,
              const UploadProgress& progress = {}) override;
  void close() override {}

 private:
  std::string node_;
};

}  // namespace rayctl
