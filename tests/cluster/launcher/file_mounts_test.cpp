// What `up` copies of file_mounts: rsync_exclude and rsync_filter decide it as Ray's
// `rsync --exclude P --filter 'dir-merge,- F'` does (the pattern table follows rsync(1)'s rules;
// the tree test compares with real rsync when it is installed), cluster_synced_files add the
// same path on both sides, and the hashes change exactly when a copied file does.
#include "cluster/launcher/cluster_up.h"
#include "cluster/launcher/rsync_rules.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace rayctl {
namespace {
namespace fs = std::filesystem;

TEST(RsyncWildcard, FollowsRsyncsWildcards) {
  struct Case {
    const char* pattern;
    const char* text;
    bool match;
  };
  const Case cases[] = {
      {"*.pyc", "a.pyc", true},
      {"*.pyc", "d/a.pyc", false},
      {"a?c", "abc", true},
      {"a?c", "a/c", false},
      {"**/.git", ".git", true},
      {"**/.git", "x/y/.git", true},
      {"**/.git/**", ".git/HEAD", true},
      {"**/.git/**", "x/.git/refs/h", true},
      {"[a-c]x", "bx", true},
      {"[!a-c]x", "bx", false},
      {"[!a-c]x", "dx", true},
      {"\\*x", "*x", true},
      {"\\*x", "ax", false},
      {"d/*", "d/e", true},
      {"d/*", "d/e/f", false},
      {"d/**", "d/e/f", true},
      {"[unclosed", "[unclosed", true},
      {"***", "a/b", true},
  };
  for (const auto& c : cases)
    EXPECT_EQ(rsync_wildcard_match(c.pattern, c.text), c.match) << c.pattern << " vs " << c.text;
}

TEST(RsyncRules, AnchoringDirectoryOnlyAndTails) {
  RsyncRules r;
  r.add_exclude("*.log");       // any component
  r.add_exclude("/build");      // the root's build only
  r.add_exclude("cache/");      // directories named cache only
  r.add_exclude("data/*.bin");  // the end of the path
  EXPECT_TRUE(r.excluded("x.log", false));
  EXPECT_TRUE(r.excluded("a/b/x.log", false));
  EXPECT_TRUE(r.excluded("build", true));
  EXPECT_FALSE(r.excluded("src/build", true));
  EXPECT_TRUE(r.excluded("a/cache", true));
  EXPECT_FALSE(r.excluded("a/cache", false));
  EXPECT_TRUE(r.excluded("data/x.bin", false));
  EXPECT_TRUE(r.excluded("a/data/x.bin", false));
  EXPECT_FALSE(r.excluded("adata/x.bin", false));
  EXPECT_FALSE(r.excluded("src/main.py", false));
}

TEST(RsyncRules, MergeFileRulesApplyBelowTheirDirectoryOnly) {
  RsyncRules r;
  r.add_merge_file("sub", "# comment\n; also a comment\n\n/top.txt\n*.tmp\n!keep.tmp\n");
  EXPECT_TRUE(r.excluded("sub/top.txt", false));
  EXPECT_FALSE(r.excluded("sub/deeper/top.txt", false));  // anchored at sub/
  EXPECT_TRUE(r.excluded("sub/deeper/x.tmp", false));
  EXPECT_FALSE(r.excluded("x.tmp", false));         // above the merge file's directory
  EXPECT_TRUE(r.excluded("sub/!keep.tmp", false));  // "-" merge files: every line is an exclude, as written
  EXPECT_TRUE(r.excluded("sub/keep.tmp", false));   // so "!keep.tmp" re-includes nothing (rsync does the same)
}

class FileMountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rayctl-mounts-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    for (const char* f : {"app/main.py", "app/main.pyc", "app/.gitignore", "app/.git/HEAD", "app/logs/x.log",
                          "app/pkg/mod.py", "app/pkg/.gitignore", "app/pkg/secret.env", "app/pkg/deep/secret.env",
                          "app/build/out.o", "app/pkg/build/keep.py", "synced.txt"})
      write(f, std::string("contents of ") + f);
    write("app/.gitignore", "*.pyc\n/build/\n");
    write("app/pkg/.gitignore", "secret.env\n");
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  std::set<std::string> copied(const LauncherConfig& c, std::vector<std::string>* skipped = nullptr) {
    std::set<std::string> out;
    for (const auto& m : digest_file_mounts(c, skipped))
      for (const auto& [local, remote] : m.files) out.insert(remote);
    return out;
  }
  LauncherConfig config() {
    LauncherConfig c;
    c.file_mounts["/srv/app"] = (root_ / "app").string();
    c.rsync_exclude = {"**/.git", "**/.git/**", "logs/"};
    c.rsync_filter = {".gitignore"};
    return c;
  }
  fs::path root_;
};

TEST_F(FileMountsTest, ExcludesAndPerDirectoryFiltersAsRaysRsync) {
  const std::set<std::string> want = {"/srv/app/.gitignore", "/srv/app/main.py", "/srv/app/pkg/.gitignore",
                                      "/srv/app/pkg/build/keep.py", "/srv/app/pkg/mod.py"};
  EXPECT_EQ(copied(config()), want);
  // The same tree through the real rsync, where it is installed: the same files.
  if (std::system("command -v rsync >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "rsync not installed: compared by table only";
  const fs::path dest = root_ / "dest";
  const std::string cmd =
      "rsync -a --exclude '**/.git' --exclude '**/.git/**' --exclude 'logs/' --filter "
      "'dir-merge,- .gitignore' '" +
      (root_ / "app").string() + "/' '" + dest.string() + "/'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::set<std::string> by_rsync;
  for (const auto& e : fs::recursive_directory_iterator(dest))
    if (e.is_regular_file()) by_rsync.insert("/srv/app/" + fs::relative(e.path(), dest).string());
  EXPECT_EQ(by_rsync, want);
}

TEST_F(FileMountsTest, HashChangesOnlyWithACopiedFile) {
  const std::string before = digest_file_mounts(config()).at(0).hash;
  write("app/main.pyc", "changed, but excluded");
  write("app/pkg/secret.env", "changed, but filtered");
  EXPECT_EQ(digest_file_mounts(config()).at(0).hash, before);
  write("app/pkg/mod.py", "changed");
  EXPECT_NE(digest_file_mounts(config()).at(0).hash, before);
}

TEST_F(FileMountsTest, ClusterSyncedFilesKeepTheirPathAndMissingOnesAreSkipped) {
  LauncherConfig c;
  const std::string here = (root_ / "synced.txt").string(), missing = (root_ / "nope.txt").string();
  c.cluster_synced_files = {here, missing};
  std::vector<std::string> skipped;
  EXPECT_EQ(copied(c, &skipped), std::set<std::string>{here});
  EXPECT_EQ(skipped, std::vector<std::string>{missing});
}

}  // namespace
}  // namespace rayctl
