// Reading and hashing what `up` copies (see digest_file_mounts in cluster_up.h): file_mounts,
// with rsync_exclude / rsync_filter applied as Ray's rsync applies them (rsync_rules.h), and
// cluster_synced_files. The hashes are what `up` compares with the record to decide whether a
// node's files changed.
#include "cluster/launcher/cluster_up.h"
#include "cluster/launcher/rsync_rules.h"
#include "core/content_digest.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rayctl {
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// Walks `dir` (relative path `rel`, "" = the mount's root) in name order, skipping what the
// rules exclude and never entering an excluded directory; merge files add rules as they are met.
void walk(const fs::path& root, const std::string& rel, RsyncRules rules, const std::vector<std::string>& merge_names,
          std::vector<std::string>& out) {
  const fs::path dir = rel.empty() ? root : root / rel;
  for (const auto& name : merge_names) {
    std::error_code ec;
    if (fs::is_regular_file(dir / name, ec)) rules.add_merge_file(rel, read_text(dir / name));
  }
  std::vector<fs::directory_entry> entries;
  for (const auto& e : fs::directory_iterator(dir)) entries.push_back(e);
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  for (const auto& e : entries) {
    const std::string child = rel.empty() ? e.path().filename().string() : rel + "/" + e.path().filename().string();
    std::error_code ec;
    const bool is_dir = e.is_directory(ec) && !e.is_symlink(ec);
    if (rules.excluded(child, is_dir)) continue;
    if (is_dir)
      walk(root, child, rules, merge_names, out);
    else if (e.is_regular_file(ec))
      out.push_back(child);
  }
}

void digest_tree(const std::string& local, const std::string& remote, const RsyncRules& rules,
                 const std::vector<std::string>& merge_names, MountDigest& m) {
  std::vector<std::string> files;
  walk(local, "", rules, merge_names, files);
  Sha256 h;
  for (const auto& rel : files) {
    const std::string path = (fs::path(local) / rel).string();
    h.update(rel + std::string(1, '\0') + sha256_file_hex(path) + "\n");
    m.files.push_back({path, remote + "/" + rel});
  }
  m.hash = h.hex_digest();
}

// One mount: a directory (walked with the rules) or a file (excluded by a rule on its name, as
// rsync would for a single-file transfer). False when the local path does not exist.
bool digest_mount(const std::string& remote, const std::string& local, const RsyncRules& rules,
                  const std::vector<std::string>& merge_names, std::vector<MountDigest>& out) {
  MountDigest m{remote, local, {}, {}};
  std::error_code ec;
  if (fs::is_directory(local, ec)) {
    std::string trimmed = remote;
    while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
    digest_tree(local, trimmed, rules, merge_names, m);
  } else if (fs::is_regular_file(local, ec)) {
    if (rules.excluded(fs::path(local).filename().string(), false)) return true;
    m.hash = sha256_file_hex(local);
    m.files.push_back({local, remote});
  } else {
    return false;
  }
  out.push_back(std::move(m));
  return true;
}

}  // namespace

std::vector<MountDigest> digest_file_mounts(const LauncherConfig& cfg, std::vector<std::string>* skipped) {
  RsyncRules rules;
  for (const auto& p : cfg.rsync_exclude) rules.add_exclude(p);
  std::vector<MountDigest> out;
  for (const auto& [remote, local] : cfg.file_mounts) {
    if (digest_mount(remote, local, rules, cfg.rsync_filter, out)) continue;
    auto it = cfg.locs.find("file_mounts." + remote);
    throw Error(ErrorKind::Invalid, "file_mounts: local path " + local + " (for " + remote + ") does not exist",
                "fix the path in the cluster file", it != cfg.locs.end() ? it->second : SourceLoc{cfg.file});
  }
  // cluster_synced_files: the same path on both sides; a path missing here is skipped, as Ray skips it.
  for (const auto& path : cfg.cluster_synced_files)
    if (!digest_mount(path, path, rules, cfg.rsync_filter, out) && skipped) skipped->push_back(path);
  return out;
}

}  // namespace rayctl
