// Putting local files on a launcher cluster's nodes (`rayctl inference deploy` sends the rayctl
// binary and a model): each file goes to a path under the SSH user's home on every chosen node,
// unless that node already has it — same size and a recorded SHA-256 equal to the local one —
// so a rerun copies 0 bytes. A copy lands as a temporary file that is checked (sha256sum on
// the node) and renamed into place: a node never sees half a model at the final path, and nodes
// that share a home directory (NFS) each write their own temporary file.
#pragma once

#include "cluster/launcher/cluster_target.h"
#include "core/output.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace rayctl {

struct NodeFile {
  std::string local;   // path here
  std::string remote;  // relative to the node user's home ("~/" prefix allowed), '/'-separated
  std::string sha256;  // of `local` (core/content_digest.h), computed once by the caller
  uint64_t size = 0;
  bool executable = false;
  // For a program: the machine it was built for (`uname -m` here, e.g. x86_64). A node whose
  // `uname -m` differs is refused with both names instead of getting a binary it cannot run.
  std::string machine;
};

struct NodeFilesResult {
  std::string node, host;
  bool ok = false;
  std::string error;
  int copied = 0, present = 0;  // files sent / found already there
  uint64_t bytes_sent = 0;
  double seconds = 0;
};
nlohmann::json to_json(const std::vector<NodeFilesResult>& r);

// This machine's `uname -m`.
std::string local_machine();
// A NodeFile for `local` (hashes it) to land at `remote`.
NodeFile node_file(const std::string& local, const std::string& remote);

// Copies `files` to `nodes` (names; empty = every node), in parallel; one result per node.
std::vector<NodeFilesResult> put_node_files(const ClusterTarget& t, const std::vector<NodeFile>& files,
                                            const std::vector<std::string>& nodes, const ConnectOptions& opt,
                                            IOStreams& io, CancelFlag& cancel);

// The shell run on a node to learn whether `f` is there already: prints "present" or "missing".
std::string node_file_probe_script(const NodeFile& f);
// The shell that checks an uploaded temporary file and moves it into place (exit 0), or
// removes it and fails (exit 3) when its SHA-256 differs.
std::string node_file_commit_script(const NodeFile& f, const std::string& tmp);

}  // namespace rayctl
