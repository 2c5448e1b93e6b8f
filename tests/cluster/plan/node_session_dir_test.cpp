// The session-id directory `up` writes and `down` reads on a node: the generated shell runs
// here, with HOME in a temp dir and a fake `ray` on PATH, against planted directories.
#include "cluster/plan/node_plan.h"

#include "core/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace rayctl {
namespace {

namespace fs = std::filesystem;

class NodeSessionDir : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = "rt" + std::to_string(getpid());
    home_ = fs::temp_directory_path() / ("rayctl-home-" + cluster_);
    fs::create_directories(home_ / "bin");
    // `ray start` that leaves a process behind in its session, as Ray's daemons do.
    std::ofstream(home_ / "bin" / "ray")
        << "#!/bin/sh\ntouch \"$HOME/ray-ran\"\nsleep 60 >/dev/null 2>&1 </dev/null &\n";
    fs::permissions(home_ / "bin" / "ray", fs::perms::owner_all);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(home_, ec);
    fs::remove_all("/tmp/rayctl-" + cluster_, ec);
    if (victim_ > 0) kill(victim_, SIGKILL);
  }
  ProcessResult sh(const std::string& script) {
    ProcessSpec spec;
    spec.argv = {"bash", "-c", script};
    spec.env_add = {{"HOME", home_.string()},
                    {"RAYCTL_NODE_RUN_DIR", (home_ / "run").string()},
                    {"PATH", (home_ / "bin").string() + ":/usr/bin:/bin"}};
    spec.timeout = std::chrono::seconds(30);
    return run_process(spec);
  }
  ProcessResult start() {
    LauncherNode head;
    head.name = "head";
    head.is_head = true;
    head.start_ray_commands = {"ray start --head"};
    auto cmds = effective_start_commands(head, cluster_);
    EXPECT_EQ(cmds.size(), 1u);
    return sh(cmds.at(0));
  }
  // A process in a session of its own, as another user's would be.
  pid_t start_victim() {
    auto r = sh("setsid sleep 60 >/dev/null 2>&1 </dev/null & echo $!");
    victim_ = std::stoi(r.out);
    return victim_;
  }
  std::string cluster_;
  fs::path home_;
  pid_t victim_ = -1;
};

TEST_F(NodeSessionDir, UpRecordsItsSessionInA0700DirectoryAndDownStopsIt) {
  auto r = start();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::path dir = home_ / "run" / cluster_;
  struct stat st {};
  ASSERT_EQ(lstat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_EQ(st.st_uid, getuid());
  EXPECT_TRUE(fs::exists(dir / "ray.sid"));
  auto stop = sh(scoped_stop_script(cluster_));
  EXPECT_EQ(stop.exit_code, 0) << stop.out << stop.err;
  EXPECT_NE(stop.out.find("rayctl-stop: stopped=1 left=0"), std::string::npos) << stop.out;
}

TEST_F(NodeSessionDir, UpRefusesAPlantedWorldWritableDirectory) {
  fs::path dir = home_ / "run" / cluster_;
  fs::create_directories(dir);
  chmod(dir.c_str(), 0777);
  auto r = start();
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("refusing"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "ray.sid"));
  EXPECT_FALSE(fs::exists(home_ / "ray-ran"));
}

// The per-user parent (/tmp/rayctl-UID by default) planted writable by others.
TEST_F(NodeSessionDir, UpRefusesAPlantedWorldWritableParent) {
  fs::create_directories(home_ / "run");
  chmod((home_ / "run").c_str(), 0777);
  auto r = start();
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("refusing"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(home_ / "run" / cluster_ / "ray.sid"));
  EXPECT_FALSE(fs::exists(home_ / "ray-ran"));
}

TEST_F(NodeSessionDir, UpRefusesAPlantedSymlink) {
  fs::create_directories(home_ / "run");
  fs::create_directories(home_ / "elsewhere");
  fs::create_directory_symlink(home_ / "elsewhere", home_ / "run" / cluster_);
  auto r = start();
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("refusing"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(home_ / "elsewhere" / "ray.sid"));
  EXPECT_FALSE(fs::exists(home_ / "ray-ran"));
}

// Another user pre-creates /tmp/rayctl-<cluster> 0777 and plants a session id there: `down`
// must not signal it.
TEST_F(NodeSessionDir, DownIgnoresSessionIdsPlantedInASharedDirectory) {
  pid_t victim = start_victim();
  fs::path planted = "/tmp/rayctl-" + cluster_;
  fs::create_directories(planted);
  chmod(planted.c_str(), 0777);
  std::ofstream(planted / "ray.sid") << victim << "\n";
  chmod((planted / "ray.sid").c_str(), 0666);
  auto stop = sh(scoped_stop_script(cluster_));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(kill(victim, 0), 0) << "down killed a planted session: " << stop.out << stop.err;
  EXPECT_NE(stop.out.find("rayctl-stop: stopped=0 left=0"), std::string::npos) << stop.out;
}

TEST_F(NodeSessionDir, DownIgnoresASymlinkedSessionFile) {
  pid_t victim = start_victim();
  fs::path dir = home_ / "run" / cluster_;
  fs::create_directories(dir);
  chmod(dir.c_str(), 0700);
  std::ofstream(home_ / "planted.sid") << victim << "\n";
  fs::create_symlink(home_ / "planted.sid", dir / "ray.sid");
  auto stop = sh(scoped_stop_script(cluster_));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(kill(victim, 0), 0) << "down followed a symlink: " << stop.out << stop.err;
}

}  // namespace
}  // namespace rayctl
