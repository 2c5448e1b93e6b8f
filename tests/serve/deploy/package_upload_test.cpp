// Runtime-env packaging: names must equal what Ray computes for the same tree (values below
// were produced by Ray 2.53's ray._private.runtime_env.packaging.get_uri_for_directory /
// get_uri_for_file on an identical tree), and the zip must be readable by a real unzip.
#include "serve/deploy/package_upload.h"
#include "core/error.h"
#include "core/process.h"
#include "core/zip_writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace rayctl;

namespace {

struct Tree {
  fs::path root;
  Tree() {
    root = fs::temp_directory_path() / ("rayctl-pkg-" + std::to_string(::getpid()) + "-" + std::to_string(rand()));
    fs::create_directories(root / "d" / "sub");
    fs::create_directories(root / "d" / "skipme");
    write("d/main.py", "print(\"hi\")\n");
    write("d/sub/mod.py", "x = 1\n");
    write("d/.gitignore", "*.log\n");
    write("d/a.log", "junk\n");
    write("d/skipme/f.txt", "zz");
  }
  ~Tree() { fs::remove_all(root); }
  void write(const std::string& rel, const std::string& text) { std::ofstream(root / rel) << text; }
  std::string dir() const { return (root / "d").string(); }
};

}  // namespace

TEST(PackageName, MatchesRayForDirectoryWithGitignoreAndExcludes) {
  Tree t;
  EXPECT_EQ(package_name_for_directory(t.dir(), {"skipme"}, true), "_ray_pkg_7b97deff0e22b5cd");
}

TEST(PackageName, MatchesRayWithoutGitignore) {
  Tree t;
  EXPECT_EQ(package_name_for_directory(t.dir(), {}, false), "_ray_pkg_c56d75d8da6fdc95");
}

TEST(PackageName, MatchesRayForSingleFile) {
  Tree t;
  EXPECT_EQ(package_name_for_file(t.dir() + "/main.py"), "_ray_pkg_ab1d3dbac918aa2f");
}

TEST(PackageName, ChangesWithContent) {
  Tree t;
  auto before = package_name_for_directory(t.dir(), {}, true);
  t.write("d/main.py", "print('changed')\n");
  EXPECT_NE(package_name_for_directory(t.dir(), {}, true), before);
}

TEST(IgnoreRules, GitWildMatch) {
  IgnoreRules r({"*.log", "/build/", "docs/**/*.md", "!keep.log", "# comment", ""});
  EXPECT_TRUE(r.excluded("a.log"));
  EXPECT_TRUE(r.excluded("x/y/a.log"));
  EXPECT_FALSE(r.excluded("keep.log"));
  EXPECT_TRUE(r.excluded("build/out.o"));
  EXPECT_FALSE(r.excluded("src/build.cpp"));
  EXPECT_TRUE(r.excluded("docs/a/b/c.md"));
  EXPECT_FALSE(r.excluded("docs/a/b/c.txt"));
  EXPECT_FALSE(r.excluded("main.py"));
}

TEST(PackageZip, UnzipListsExactlyTheIncludedFiles) {
  auto unzip = find_in_path("unzip");
  auto python = find_in_path("python3");
  if (!python) GTEST_SKIP() << "python3 not installed";
  Tree t;
  std::string zip = build_package_zip(t.dir(), {"skipme"}, true, false);
  fs::path out = t.root / "p.zip";
  std::ofstream(out, std::ios::binary) << zip;
  ProcessSpec spec;
  spec.argv = {*python, "-c",
               "import zipfile,sys; z=zipfile.ZipFile(sys.argv[1]); assert z.testzip() is None; "
               "print(' '.join(sorted(z.namelist()))); print(z.read('sub/mod.py').decode(), end='')",
               out.string()};
  ProcessResult r = run_process(spec);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, ".gitignore main.py sub/mod.py\nx = 1\n");
  (void)unzip;
}

TEST(PackageZip, PyModulesKeepTheirParentDirectory) {
  auto python = find_in_path("python3");
  if (!python) GTEST_SKIP() << "python3 not installed";
  Tree t;
  fs::path out = t.root / "m.zip";
  std::ofstream(out, std::ios::binary) << build_package_zip(t.dir() + "/sub", {}, true, true);
  ProcessSpec spec;
  spec.argv = {*python, "-c", "import zipfile,sys; print(zipfile.ZipFile(sys.argv[1]).namelist())", out.string()};
  ProcessResult r = run_process(spec);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "['sub/mod.py']\n");
}

TEST(Crc32, KnownVector) { EXPECT_EQ(crc32_of("123456789"), 0xCBF43926u); }

TEST(LocalizeRuntimeEnvs, RewritesLocalPathsRelativeToTheConfigAndLeavesUris) {
  Tree t;
  nlohmann::json body = {{"applications",
                          {{{"name", "a"}, {"import_path", "main:app"}, {"runtime_env", {{"working_dir", "d"}}}},
                           {{"name", "b"},
                            {"import_path", "m:app"},
                            {"runtime_env", {{"working_dir", "s3://x/y.zip"}, {"py_modules", {"d/sub"}}}}}}}};
  auto pk = localize_runtime_envs(body, t.root.string(), {});
  ASSERT_EQ(pk.size(), 2u);
  EXPECT_EQ(body["applications"][0]["runtime_env"]["working_dir"], pk[0].uri);
  EXPECT_EQ(pk[0].uri.rfind("gcs://_ray_pkg_", 0), 0u);
  EXPECT_EQ(body["applications"][1]["runtime_env"]["working_dir"], "s3://x/y.zip");
  EXPECT_TRUE(pk[1].include_parent_dir);
  EXPECT_EQ(pk[0].where, "app a: runtime_env.working_dir");
}

TEST(LocalizeRuntimeEnvs, MissingPathNamesAppAndPath) {
  nlohmann::json body = {{"applications", {{{"name", "a"}, {"runtime_env", {{"working_dir", "nope"}}}}}}};
  try {
    localize_runtime_envs(body, "/tmp", {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("app a"), std::string::npos);
    EXPECT_NE(e.message().find("/tmp/nope"), std::string::npos);
  }
}
