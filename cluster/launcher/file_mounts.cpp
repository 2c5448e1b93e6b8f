// Hashing the file_mounts of a launcher file (see digest_file_mounts in cluster_up.h): what
// `up` compares with the record to decide whether a node's files changed.
#include "cluster/launcher/cluster_up.h"
#include "core/content_digest.h"

#include <algorithm>
#include <filesystem>

namespace rayctl {
namespace fs = std::filesystem;

namespace {

void digest_tree(const std::string& local, const std::string& remote, MountDigest& m) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(local))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  Sha256 h;
  for (const auto& f : files) {
    std::string rel = fs::relative(f, local).string();
    h.update(rel + "\0" + sha256_file_hex(f.string()) + "\n");
    m.files.push_back({f.string(), remote + "/" + rel});
  }
  m.hash = h.hex_digest();
}

}  // namespace

std::vector<MountDigest> digest_file_mounts(const LauncherConfig& cfg) {
  std::vector<MountDigest> out;
  for (const auto& [remote, local] : cfg.file_mounts) {
    MountDigest m{remote, local, {}, {}};
    std::error_code ec;
    if (fs::is_directory(local, ec))
      digest_tree(local, remote, m);
    else if (fs::is_regular_file(local, ec)) {
      m.hash = sha256_file_hex(local);
      m.files.push_back({local, remote});
    } else {
      auto it = cfg.locs.find("file_mounts." + remote);
      throw Error(ErrorKind::Invalid, "file_mounts: local path " + local + " (for " + remote + ") does not exist",
                  "fix the path in the cluster file", it != cfg.locs.end() ? it->second : SourceLoc{cfg.file});
    }
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace rayctl
