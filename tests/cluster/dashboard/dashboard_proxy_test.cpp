// DashboardProxy over a recording transport: what a browser sends arrives at the transport as
// a dashboard request (method, path and query, body, end-to-end headers only), the answer comes
// back as it was, transport failures become 502s naming the route, and a taken port is a
// Conflict. The HTTP on the local side is real (HttpClient to the proxy's socket).
#include "cluster/dashboard/dashboard_proxy.h"
#include "cluster/nodes/remote_runner.h"
#include "core/error.h"

#include <gtest/gtest.h>

#include <thread>

namespace rayctl {
namespace {

class RecordingTransport : public DashboardTransport {
 public:
  std::vector<HttpRequest>* seen;
  bool fail = false;
  explicit RecordingTransport(std::vector<HttpRequest>* s) : seen(s) {}
  HttpResponse send(HttpRequest req) override {
    seen->push_back(req);
    if (fail) throw Error(ErrorKind::Network, "connection refused");
    HttpResponse r;
    r.status = req.url == "/missing" ? 404 : 200;
    r.headers = {{"content-type", "application/json"}, {"transfer-encoding", "chunked"}, {"x-ray", "1"}};
    r.body = R"({"ray_version": "2.53.0", "path": ")" + req.url + "\"}";
    return r;
  }
  std::string url() const override { return "http://head:8265"; }
  std::string route() const override { return "SSH tunnel to 10.0.0.5:8265"; }
};

struct RunningProxy {
  std::vector<HttpRequest> seen;
  RecordingTransport* transport;
  std::unique_ptr<DashboardProxy> proxy;
  CancelFlag stop;
  std::thread loop;
  RunningProxy() {
    auto t = std::make_unique<RecordingTransport>(&seen);
    transport = t.get();
    proxy = std::make_unique<DashboardProxy>(std::move(t), 0);
    loop = std::thread([this] { proxy->serve_until(stop); });
  }
  ~RunningProxy() {
    stop.cancel();
    loop.join();
  }
  HttpResponse send(HttpRequest req) {
    req.url = proxy->url() + req.url;
    return HttpClient().send(req);
  }
};

TEST(DashboardProxy, ForwardsTheRequestAndReturnsTheAnswerAsItWas) {
  RunningProxy p;
  HttpRequest req;
  req.method = "POST";
  req.url = "/api/jobs/?limit=5";
  req.headers = {{"Content-Type", "application/json"}, {"X-Custom", "kept"}, {"Connection", "keep-alive"}};
  req.body = R"({"entrypoint": "echo hi"})";
  auto r = p.send(req);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("x-ray"), "1");
  EXPECT_EQ(r.header("transfer-encoding"), "");  // the proxy sends a Content-Length instead
  EXPECT_EQ(r.body, R"({"ray_version": "2.53.0", "path": "/api/jobs/?limit=5"})");
  ASSERT_EQ(p.seen.size(), 1u);
  EXPECT_EQ(p.seen[0].method, "POST");
  EXPECT_EQ(p.seen[0].url, "/api/jobs/?limit=5");
  EXPECT_EQ(p.seen[0].body, R"({"entrypoint": "echo hi"})");
  bool custom = false;
  for (const auto& [name, value] : p.seen[0].headers) {
    EXPECT_NE(name, "Connection");
    EXPECT_NE(name, "Host");
    custom = custom || (name == "X-Custom" && value == "kept");
  }
  EXPECT_TRUE(custom);
  EXPECT_EQ(p.send({.url = "/missing"}).status, 404);
  EXPECT_EQ(p.proxy->requests(), 2u);
}

TEST(DashboardProxy, ATransportFailureIsA502NamingTheRoute) {
  RunningProxy p;
  p.transport->fail = true;
  auto r = p.send({.url = "/api/version"});
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("connection refused"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("SSH tunnel to 10.0.0.5:8265"), std::string::npos) << r.body;
}

TEST(DashboardProxy, ManyBrowserRequestsAtOnceAllGetTheirOwnAnswer) {
  RunningProxy p;
  std::vector<std::thread> clients;
  std::vector<std::string> bodies(16);
  for (int i = 0; i < 16; ++i)
    clients.emplace_back([&, i] { bodies[i] = p.send({.url = "/static/" + std::to_string(i) + ".js"}).body; });
  for (auto& c : clients) c.join();
  for (int i = 0; i < 16; ++i)
    EXPECT_NE(bodies[i].find("/static/" + std::to_string(i) + ".js"), std::string::npos) << bodies[i];
}

TEST(DashboardProxy, ATakenPortIsAConflictThatSaysWhatToDo) {
  RunningProxy p;
  std::vector<HttpRequest> seen;
  try {
    DashboardProxy second(std::make_unique<RecordingTransport>(&seen), p.proxy->port());
    FAIL() << "a second proxy bound a taken port";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Conflict);
    EXPECT_NE(e.hint().find("--port"), std::string::npos) << e.hint();
  }
}

}  // namespace
}  // namespace rayctl
