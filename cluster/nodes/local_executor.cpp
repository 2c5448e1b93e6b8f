// Commands and file copies on this machine (see local_executor.h).
#include "cluster/nodes/local_executor.h"

#include "core/error.h"
#include "core/process.h"

#include <filesystem>

namespace rayctl {

int LocalRunner::run(const RemoteCommand& cmd, const OutputSink& sink, const CancelFlag& cancel) {
  ProcessSpec spec;
  spec.argv = {"bash", "-c", cmd.script};
  spec.env_add = cmd.env;
  int rc = run_process_streaming(
      spec,
      [&](int stream, const std::string& line) {
        if (sink) sink(stream, line);
      },
      [&] { return cancel.cancelled(); });
  return cancel.cancelled() ? kCancelledExit : rc;
}

void LocalRunner::upload(const std::string& local_path, const std::string& remote_path,
                         const UploadProgress& progress) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path dst(remote_path);
  if (dst.has_parent_path()) fs::create_directories(dst.parent_path(), ec);
  if (fs::exists(dst) && fs::equivalent(local_path, dst, ec)) return;  // mounting a path onto itself
  fs::copy_file(local_path, dst, fs::copy_options::overwrite_existing, ec);
  if (ec)
    throw Error(ErrorKind::Io,
                "node " + node_ + ": cannot copy " + local_path + " to " + remote_path + ": " + ec.message());
  fs::permissions(dst, fs::status(local_path).permissions(), ec);
  if (progress) progress(fs::file_size(dst, ec));
}

}  // namespace rayctl
