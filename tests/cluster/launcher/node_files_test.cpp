// put_node_files on a cluster of this machine (LocalRunner, real bash, real files under a temp
// HOME): first run copies, a rerun sends 0 bytes, a damaged copy is replaced, and a file that
// arrives with the wrong hash never reaches its final path.
#include "cluster/launcher/node_files.h"

#include "core/content_digest.h"
#include "core/process.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rayctl {
namespace {

namespace fs = std::filesystem;

class NodeFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("rayctl-nodefiles-" + std::to_string(getpid()));
    fs::create_directories(root_ / "home");
    fs::create_directories(root_ / "src");
    const char* h = std::getenv("HOME");
    old_home_ = h ? h : "";
    setenv("HOME", (root_ / "home").c_str(), 1);
    std::ofstream(root_ / "src" / "model.gguf") << std::string(300000, 'm');
    std::ofstream(root_ / "src" / "tool") << "#!/bin/sh\necho tool\n";
    fs::permissions(root_ / "src" / "tool", fs::perms::owner_all);
    t_.name = "local";
    LauncherNode n;
    n.name = "head";
    n.host = "127.0.0.1";
    n.is_head = n.is_local = true;
    t_.nodes.push_back(n);
  }
  void TearDown() override {
    setenv("HOME", old_home_.c_str(), 1);
    fs::remove_all(root_);
  }
  std::vector<NodeFile> files() {
    auto m = node_file((root_ / "src" / "model.gguf").string(), "");
    m.remote = "~/.rayctl/llm/" + m.sha256.substr(0, 16) + "/model.gguf";
    auto b = node_file((root_ / "src" / "tool").string(), "");
    b.remote = ".rayctl/llm/" + b.sha256.substr(0, 16) + "/tool";
    return {m, b};
  }
  NodeFilesResult put() {
    std::ostringstream out, err;
    IOStreams io;
    io.out = &out;
    io.err = &err;
    CancelFlag cancel;
    auto r = put_node_files(t_, files(), {}, ConnectOptions{}, io, cancel);
    EXPECT_EQ(r.size(), 1u);
    progress_ = err.str();
    return r.at(0);
  }
  fs::path landed(const NodeFile& f) {
    std::string rel = f.remote.rfind("~/", 0) == 0 ? f.remote.substr(2) : f.remote;
    return root_ / "home" / rel;
  }
  fs::path root_;
  std::string old_home_;
  std::string progress_;  // what the last put() printed on stderr
  ClusterTarget t_;
};

TEST_F(NodeFiles, CopiesOnceThenSendsNothing) {
  auto first = put();
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.copied, 2);
  EXPECT_EQ(first.bytes_sent, 300000u + fs::file_size(root_ / "src" / "tool"));
  auto fs_ = files();
  EXPECT_EQ(sha256_file_hex(landed(fs_[0]).string()), fs_[0].sha256);
  EXPECT_EQ(access(landed(fs_[1]).c_str(), X_OK), 0) << "the executable lost its x bit";
  EXPECT_NE(progress_.find("copying model.gguf: 300000 of 300000 bytes"), std::string::npos) << progress_;
  auto again = put();
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(again.copied, 0);
  EXPECT_EQ(again.present, 2);
  EXPECT_EQ(again.bytes_sent, 0u);
}

TEST_F(NodeFiles, ADamagedCopyIsSentAgain) {
  ASSERT_TRUE(put().ok);
  auto f = files()[0];
  fs::resize_file(landed(f), 1000);
  auto r = put();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.copied, 1);
  EXPECT_EQ(r.bytes_sent, 300000u);
  EXPECT_EQ(sha256_file_hex(landed(f).string()), f.sha256);
}

TEST_F(NodeFiles, AFileArrivingWithTheWrongHashNeverReachesItsPath) {
  auto f = files()[0];
  fs::path tmp = landed(f).string() + ".part-test";
  fs::create_directories(tmp.parent_path());
  std::ofstream(tmp) << "not the model";
  std::string rel = f.remote.substr(2) + ".part-test";
  ProcessSpec spec;
  spec.argv = {"bash", "-c", node_file_commit_script(f, rel)};
  ProcessResult r = run_process(spec);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("arrived with SHA-256"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(landed(f)));
  EXPECT_FALSE(fs::exists(tmp));
}

}  // namespace
}  // namespace rayctl

namespace rayctl {
namespace {

// A binary built for another machine is refused with both names, and nothing is copied.
TEST_F(NodeFiles, ABinaryForAnotherMachineIsRefused) {
  auto f = files()[1];
  f.machine = "riscv128";
  std::ostringstream out, err;
  IOStreams io;
  io.out = &out;
  io.err = &err;
  CancelFlag cancel;
  auto r = put_node_files(t_, {f}, {}, ConnectOptions{}, io, cancel);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_FALSE(r[0].ok);
  EXPECT_NE(r[0].error.find("node head is " + local_machine() + " but"), std::string::npos) << r[0].error;
  EXPECT_NE(r[0].error.find("was built for riscv128"), std::string::npos) << r[0].error;
  EXPECT_FALSE(fs::exists(landed(f)));
  f.machine = local_machine();
  auto ok = put_node_files(t_, {f}, {}, ConnectOptions{}, io, cancel);
  EXPECT_TRUE(ok.at(0).ok) << ok.at(0).error;
}

}  // namespace
}  // namespace rayctl
