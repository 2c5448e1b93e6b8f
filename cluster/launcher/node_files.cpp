// put_node_files (see node_files.h).
#include "cluster/launcher/node_files.h"

#include "cluster/launcher/node_command.h"
#include "cluster/nodes/fanout_executor.h"
#include "core/content_digest.h"
#include "core/error.h"
#include "core/process.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace rayctl {

namespace {

// "~/x" and "x" both mean x under the home directory: the path relative to it.
std::string relative(const std::string& remote) { return remote.rfind("~/", 0) == 0 ? remote.substr(2) : remote; }

// The same path as shell text for the node.
std::string home_path(const std::string& remote) { return "\"$HOME\"/" + shell_quote(relative(remote)); }

// Where the runner uploads to: SFTP paths are relative to the home directory; a local node
// needs the absolute path.
std::string upload_path(const LauncherNode& node, const std::string& rel) {
  if (!node.is_local) return rel;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "/root") + "/" + rel;
}

}  // namespace

NodeFile node_file(const std::string& local, const std::string& remote) {
  NodeFile f;
  f.local = local;
  f.remote = remote;
  std::error_code ec;
  f.size = std::filesystem::file_size(local, ec);
  if (ec) throw Error(ErrorKind::NotFound, "cannot read " + local + ": " + ec.message());
  f.sha256 = sha256_file_hex(local);
  f.executable = ::access(local.c_str(), X_OK) == 0;
  return f;
}

std::string local_machine() {
  utsname u{};
  return ::uname(&u) == 0 ? u.machine : "";
}

std::string node_file_probe_script(const NodeFile& f) {
  std::string p = home_path(f.remote);
  std::string arch = f.machine.empty() ? ""
                                       : "m=$(uname -m); [ \"$m\" = " + shell_quote(f.machine) +
                                             " ] || { echo \"machine $m\"; exit 0; }; ";
  return arch + "p=" + p + "; if [ -f \"$p\" ] && [ \"$(stat -c %s -- \"$p\")\" = " + std::to_string(f.size) +
         " ] && [ \"$(cat -- \"$p.sha256\" 2>/dev/null)\" = " + f.sha256 +
         " ]; then echo present; else echo missing; fi";
}

std::string node_file_commit_script(const NodeFile& f, const std::string& tmp) {
  std::string p = home_path(f.remote), t = home_path(tmp);
  return "p=" + p + "; t=" + t + "; got=$(sha256sum -- \"$t\" | cut -d' ' -f1); if [ \"$got\" = " + f.sha256 +
         " ]; then " + (f.executable ? "chmod 0755 -- \"$t\" && " : "") + "mv -f -- \"$t\" \"$p\" && echo " + f.sha256 +
         " > \"$p.sha256\"; else rm -f -- \"$t\"; echo \"rayctl: $p arrived with SHA-256 $got, not " + f.sha256 +
         "\" >&2; exit 3; fi";
}

std::vector<NodeFilesResult> put_node_files(const ClusterTarget& t, const std::vector<NodeFile>& files,
                                            const std::vector<std::string>& nodes, const ConnectOptions& opt,
                                            IOStreams& io, CancelFlag& cancel) {
  auto picked = pick_nodes(t, nodes, nodes.empty());
  NodeRunnerFactory factory(t.ssh, opt);
  std::vector<NodeFilesResult> res(picked.size());
  std::vector<std::string> names;
  for (auto* n : picked) names.push_back(n->name);
  FanoutExecutor fanout(io, {8, false, 20});
  auto outcomes = fanout.run(
      names,
      [&](size_t i, NodeReporter& rep) {
        const LauncherNode& node = *picked[i];
        auto runner = factory.make(node);
        runner->connect(cancel);
        for (const auto& f : files) {
          std::string answer;
          auto sink = [&](int stream, const std::string& line) {
            if (stream == 1)
              answer = line;
            else
              rep.line(stream, line);
          };
          int rc = runner->run({node_file_probe_script(f), {}}, sink, cancel);
          if (rc != 0) throw Error(ErrorKind::Remote, "node " + node.name + ": cannot check " + f.remote);
          if (answer.rfind("machine ", 0) == 0)
            throw Error(ErrorKind::Invalid,
                        "node " + node.name + " is " + answer.substr(8) + " but " + f.local + " was built for " +
                            f.machine + ": it cannot run there",
                        "give --rayctl-binary a rayctl built for " + answer.substr(8) + " (or leave that node out)");
          if (answer == "present") {
            ++res[i].present;
            continue;
          }
          std::string name = std::filesystem::path(f.local).filename().string();
          rep.status("copying " + name + ": 0 of " + std::to_string(f.size) + " bytes");
          // Named per node: nodes that share a home directory (NFS) must not write one file.
          std::string tmp = relative(f.remote) + ".part-" + node.name + "-" + std::to_string(::getpid());
          int shown = 0;  // tenths reported: a line per 10 % when not on a terminal
          runner->upload(f.local, upload_path(node, tmp), [&](uint64_t sent) {
            int tenth = f.size ? int(sent * 10 / f.size) : 10;
            if (tenth <= shown) return;
            shown = tenth;
            rep.status("copying " + name + ": " + std::to_string(sent) + " of " + std::to_string(f.size) + " bytes");
          });
          rc = runner->run({node_file_commit_script(f, tmp), {}}, sink, cancel);
          if (rc != 0)
            throw Error(
                ErrorKind::Remote,
                "node " + node.name + ": " + f.remote + " did not arrive intact (exit " + std::to_string(rc) + ")",
                "check the node's free disk space, then re-run");
          ++res[i].copied;
          res[i].bytes_sent += f.size;
        }
        rep.outcome().detail = std::to_string(res[i].bytes_sent) + " bytes sent";
      },
      cancel);
  for (size_t i = 0; i < res.size(); ++i) {
    res[i].node = picked[i]->name;
    res[i].host = picked[i]->host;
    res[i].ok = outcomes[i].ok;
    res[i].error = outcomes[i].error;
    res[i].seconds = outcomes[i].seconds;
  }
  return res;
}

nlohmann::json to_json(const std::vector<NodeFilesResult>& r) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& n : r)
    a.push_back({{"node", n.node},
                 {"host", n.host},
                 {"ok", n.ok},
                 {"copied", n.copied},
                 {"present", n.present},
                 {"bytes_sent", n.bytes_sent},
                 {"seconds", n.seconds},
                 {"error", n.error}});
  return a;
}

}  // namespace rayctl
