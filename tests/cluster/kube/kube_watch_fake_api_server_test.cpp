// CollectionWatch against a hand-written fake API server on loopback that sends malformed
// watch events: the watch fails with an error (or carries on); the process never aborts.
#include "cluster/kube/kube_client.h"
#include "cluster/kube/kube_watch.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <thread>

namespace rayctl {
namespace {

// FakeApiServer: answers each HTTP request on 127.0.0.1 with 200 and the body `reply(target)`
// gives, then closes the connection. Only what CollectionWatch needs (LIST, then watch).
class FakeApiServer {
 public:
  explicit FakeApiServer(std::function<std::string(const std::string&)> reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeApiServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, n);
      }
      ++requests_;
      auto sp = req.find(' ');
      std::string target = req.substr(sp + 1, req.find(' ', sp + 1) - sp - 1);
      std::string body = reply_(target);
      std::string resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body;
      (void)!::write(c, resp.data(), resp.size());
      ::close(c);
    }
  }
  std::function<std::string(const std::string&)> reply_;
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

// Lists are empty; every watch answers with `events`.
std::optional<Error> watch_failure(const std::string& events) {
  FakeApiServer api([&](const std::string& target) {
    if (target.find("watch=true") == std::string::npos)
      return std::string(R"({"items":[],"metadata":{"resourceVersion":"1"}})");
    return events;
  });
  KubeTarget target;
  target.server = api.url();
  KubeClient client(target);
  auto signal = std::make_shared<Signal>();
  auto w = std::make_unique<CollectionWatch>(client, "/api/v1/namespaces/default/pods", "", "pods", signal);
  w->start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!w->failure() && std::chrono::steady_clock::now() < deadline) signal->wait_until(deadline);
  auto f = w->failure();
  w.reset();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the detached thread notices stop
  return f;
}

TEST(KubeWatchFakeApiServer, AnEventWithoutAnObjectFailsTheWatchNotTheProcess) {
  auto f = watch_failure("{\"type\":\"ADDED\"}\n");
  ASSERT_TRUE(f.has_value());
  EXPECT_NE(std::string(f->what()).find("watch event"), std::string::npos) << f->what();
}

TEST(KubeWatchFakeApiServer, NullsWhereObjectsBelongAreMalformedEvents) {
  auto f = watch_failure(
      "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":null}}\n"
      "{\"type\":null,\"object\":{\"metadata\":{\"name\":7,\"resourceVersion\":null}}}\n");
  ASSERT_TRUE(f.has_value());
  EXPECT_NE(std::string(f->what()).find("watch event"), std::string::npos) << f->what();
}

// The ERROR event's failure is thrown from inside libcurl's write callback: it must come out
// of the transfer as the watch's failure, with the server's message.
TEST(KubeWatchFakeApiServer, AnErrorEventThrownInsideTheTransferBecomesTheFailure) {
  auto f =
      watch_failure("{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":500,\"message\":\"etcd boom\"}}\n");
  ASSERT_TRUE(f.has_value());
  EXPECT_NE(std::string(f->what()).find("etcd boom"), std::string::npos) << f->what();
}

TEST(KubeWatchFakeApiServer, AnErrorEventWithANullCodeIsNotGone) {
  auto f = watch_failure("{\"type\":\"ERROR\",\"object\":{\"code\":null,\"message\":null}}\n");
  ASSERT_TRUE(f.has_value());
}

TEST(KubeClient, AHugeRetryAfterIsCappedNotThrown) {
  EXPECT_EQ(retry_after_delay("99999999999999999999999"), std::chrono::seconds(10));
  EXPECT_EQ(retry_after_delay("3"), std::chrono::seconds(3));
  EXPECT_EQ(retry_after_delay("Wed, 21 Oct 2026 07:28:00 GMT"), std::nullopt);
  EXPECT_EQ(retry_after_delay(""), std::nullopt);
}

}  // namespace
}  // namespace rayctl
