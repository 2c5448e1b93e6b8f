// RsyncRules: which files of a file_mounts directory `rayctl up` copies, decided as Ray's
// `rsync -avz --exclude P... --filter 'dir-merge,- F'...` decides it (Ray's command_runner:
// rsync_exclude becomes --exclude, each rsync_filter name a per-directory merge file whose
// lines are all exclude patterns). The rsync pattern rules implemented (rsync(1), "INCLUDE/
// EXCLUDE PATTERN RULES"):
//   - a trailing "/" matches directories only; a leading "/" anchors the pattern at the root of
//     the transfer (for --exclude) or at the merge file's directory (for dir-merge files);
//   - a pattern with a "/" (besides a trailing one) or "**" is matched against the end of the
//     path (at a component boundary) unless anchored; otherwise against the last component;
//   - "*" matches within a component, "**" across "/", "?" one character but "/", "[...]" a
//     class (with "!" or "^" negation and ranges), "\" escapes;
//   - an excluded directory is not entered (nothing under it is copied);
//   - merge files: empty lines and lines starting with "#" or ";" are skipped, every other line
//     is one exclude pattern taken as written (so "!x" is the literal name "!x", as in rsync's
//     "-" modifier); they apply to their directory and everything under it; the merge file
//     itself is copied (Ray does not pass the "e" modifier).
// Pure: no filesystem access; the walk in file_mounts.cpp reads the merge files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rayctl {

// rsync's wildcard match of `text` against `pattern` ("**" crosses "/", "*" does not).
bool rsync_wildcard_match(std::string_view pattern, std::string_view text);

class RsyncRules {
 public:
  // An --exclude pattern, anchored (if at all) at the transfer root.
  void add_exclude(const std::string& pattern);
  // The lines of a merge file found in directory `dir` (relative to the root, "" = the root).
  void add_merge_file(const std::string& dir, const std::string& contents);
  // Whether `rel` (relative to the root, "/"-separated, no leading "/") is excluded.
  bool excluded(const std::string& rel, bool is_dir) const;
  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    std::string pattern;  // without the leading and trailing "/"
    std::string base;     // the directory it is relative to ("" = root)
    bool anchored = false;
    bool dir_only = false;
    bool full_path = false;  // has a "/" or "**": match the path's tail, not its last component
  };
  void add(std::string pattern, const std::string& base);
  std::vector<Rule> rules_;
};

}  // namespace rayctl
