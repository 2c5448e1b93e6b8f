#include "core/state_store.h"
#include "core/error.h"
#include "core/http_client.h"
#include "core/process.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

using namespace rayctl;
namespace fs = std::filesystem;

static std::string temp_dir() {
  char tmpl[] = "/tmp/rayctl-test-XXXXXX";
  return mkdtemp(tmpl);
}

TEST(StateStore, AtomicWriteCreatesParentsWithMode) {
  std::string dir = temp_dir();
  std::string path = dir + "/a/b/state.json";
  write_file_atomic(path, "{\"x\":1}", 0600);
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(path).value(), "{\"x\":1}");
  write_file_atomic(path, "second", 0600);
  EXPECT_EQ(read_file(path).value(), "second");
  size_t entries = 0;
  for (auto& e : fs::directory_iterator(dir + "/a/b")) entries += e.is_regular_file();
  EXPECT_EQ(entries, 1u);  // no temp files left behind
  fs::remove_all(dir);
}

TEST(StateStore, SecondLockIsAConflictNamingTheHolder) {
  std::string dir = temp_dir();
  std::string lock = dir + "/c.lock";
  {
    FileLock first(lock);
    pid_t child = fork();
    if (child == 0) {  // another process must not get it
      try {
        FileLock second(lock, std::chrono::milliseconds(100));
        _exit(0);
      } catch (const Error& e) {
        _exit(e.kind() == ErrorKind::Conflict && e.message().find(std::to_string(getppid())) != std::string::npos ? 42
                                                                                                                  : 1);
      }
    }
    int status = 0;
    waitpid(child, &status, 0);
    EXPECT_EQ(WEXITSTATUS(status), 42);
  }
  FileLock again(lock);  // released on destruction
  fs::remove_all(dir);
}

TEST(Process, CapturesOutputExitCodeAndStdin) {
  auto r =
      run_process({{"sh", "-c", "cat; echo err >&2; exit 3"}, {}, false, "hello", "", std::chrono::milliseconds(0)});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "hello");
  EXPECT_EQ(r.err, "err\n");
}

TEST(Process, TimeoutKillsTheProcessGroup) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "sleep 30 & sleep 30"};
  spec.timeout = std::chrono::milliseconds(300);
  auto start = std::chrono::steady_clock::now();
  auto r = run_process(spec);
  EXPECT_TRUE(r.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Process, StreamingLinesAndQuoting) {
  std::vector<std::string> lines;
  int rc = run_process_streaming({{"sh", "-c", "printf 'a\\nb\\nc'"}},
                                 [&](int, const std::string& l) { lines.push_back(l); });
  EXPECT_EQ(rc, 0);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(shell_quote("abc"), "abc");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_TRUE(find_in_path("sh").has_value());
}

TEST(HttpClient, ConnectionRefusedIsANetworkError) {
  HttpClient c;
  HttpRequest req;
  req.url = "http://127.0.0.1:1/";  // nothing listens on port 1
  try {
    c.send(req);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Network);
    EXPECT_NE(e.message().find("127.0.0.1:1"), std::string::npos);
  }
  EXPECT_EQ(url_join("http://h:1/", "/api"), "http://h:1/api");
  EXPECT_EQ(url_encode("a b/c"), "a%20b%2Fc");
}
