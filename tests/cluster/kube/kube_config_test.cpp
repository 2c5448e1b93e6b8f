// kubeconfig merging (first file wins), context resolution, relative paths, and exec plugins
// run for real (a shell script that counts its runs).
#include "cluster/kube/kube_config.h"
#include "cluster/kube/kube_client.h"
#include "cluster/kube/kube_credentials.h"
#include "core/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <thread>

using namespace rayctl;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/rayctl-kubecfg-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string write(const std::string& name, const std::string& text,
                    fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
    auto p = path / name;
    std::ofstream(p) << text;
    fs::permissions(p, mode);
    return p.string();
  }
};

const char* kFirst = R"(
apiVersion: v1
kind: Config
current-context: alpha
clusters:
- name: c1
  cluster: {server: "https://one.example:6443/", certificate-authority: certs/ca.pem}
users:
- name: u1
  user: {token: first-token}
contexts:
- name: alpha
  context: {cluster: c1, user: u1, namespace: team-a}
- name: shared
  context: {cluster: c1, user: u1}
)";

const char* kSecond = R"(
current-context: beta
clusters:
- name: c1
  cluster: {server: "https://ignored.example"}
- name: c2
  cluster: {server: "https://two.example", insecure-skip-tls-verify: true, tls-server-name: api.internal}
users:
- name: u2
  user: {tokenFile: tok}
contexts:
- name: beta
  context: {cluster: c2, user: u2}
- name: shared
  context: {cluster: c2, user: u2}
)";

}  // namespace

TEST(KubeConfig, FirstFileToSetAKeyWins) {
  TempDir d;
  auto a = d.write("a.yaml", kFirst), b = d.write("b.yaml", kSecond);
  auto cfg = load_kube_config({"", a + "::/nonexistent/x:" + b, ""});
  EXPECT_EQ(cfg.files.size(), 2u);
  EXPECT_EQ(cfg.current_context, "alpha");
  EXPECT_EQ(cfg.clusters.at("c1").server, "https://one.example:6443");  // from the first file, slash trimmed
  EXPECT_EQ(cfg.contexts.at("shared").cluster, "c1");
  EXPECT_EQ(cfg.clusters.at("c1").ca_file, (d.path / "certs/ca.pem").string());  // relative to its file
  auto t = resolve_kube_target(cfg, {});
  EXPECT_EQ(t.context, "alpha");
  EXPECT_EQ(t.namespace_, "team-a");
  EXPECT_FALSE(t.tls.insecure_skip_verify);
  auto beta = resolve_kube_target(cfg, {"beta", "override"});
  EXPECT_EQ(beta.server, "https://two.example");
  EXPECT_EQ(beta.namespace_, "override");
  EXPECT_TRUE(beta.tls.insecure_skip_verify);       // only because the kubeconfig says so
  EXPECT_EQ(beta.tls.server_name, "api.internal");  // SNI + certificate name (HttpClient honours it)
  EXPECT_EQ(t.tls.server_name, "");
  EXPECT_EQ(beta.user.token_file, (d.path / "tok").string());
}

TEST(KubeConfig, ExplicitFileOnlyAndUnknownContextSuggests) {
  TempDir d;
  auto a = d.write("a.yaml", kFirst), b = d.write("b.yaml", kSecond);
  auto cfg = load_kube_config({b, a, ""});
  EXPECT_EQ(cfg.current_context, "beta");
  EXPECT_EQ(cfg.files.size(), 1u);
  try {
    resolve_kube_target(cfg, {"betta", ""});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("context \"betta\""), std::string::npos);
    EXPECT_NE(e.hint().find("beta"), std::string::npos);
  }
  EXPECT_THROW(load_kube_config({(d.path / "missing").string(), "", ""}), Error);
}

TEST(KubeConfig, RejectsTwoAuthMethodsWithPosition) {
  TempDir d;
  auto p = d.write("bad.yaml", "users:\n- name: u\n  user:\n    token: x\n    username: y\n");
  try {
    load_kube_config({p, "", ""});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("bad.yaml:4:"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("only one authentication method"), std::string::npos);
  }
}

TEST(KubeConfig, InClusterReadsServiceAccount) {
  TempDir d;
  d.write("token", "sa-token\n");
  d.write("namespace", "ml\n");
  auto t = in_cluster_kube_target("10.0.0.1", "443", d.path.string(), {});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->server, "https://10.0.0.1:443");
  EXPECT_EQ(t->namespace_, "ml");
  KubeCredentials creds(*t);
  HttpRequest req;
  creds.apply(req);
  ASSERT_EQ(req.headers.size(), 1u);
  EXPECT_EQ(req.headers[0].second, "Bearer sa-token");
  EXPECT_FALSE(in_cluster_kube_target("", "", d.path.string(), {}));
}

TEST(KubeCredentials, ExecPluginCachedUntilExpiryAndRerunAfterInvalidate) {
  TempDir d;
  auto counter = (d.path / "runs").string();
  // The plugin records its runs and checks that it got KUBERNETES_EXEC_INFO.
  auto plugin =
      d.write("plugin.sh",
              "#!/bin/sh\necho run >> " + counter +
                  "\ncase \"$KUBERNETES_EXEC_INFO\" in *ExecCredential*) ;; *) exit 3;; esac\n"
                  "echo '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
                  "\"status\":{\"token\":\"tok-'$MYVAR'\",\"expirationTimestamp\":\"2999-01-01T00:00:00Z\"}}'\n",
              fs::perms::owner_all);
  KubeConfigSet cfg;
  merge_kube_config_text("inline",
                         "current-context: x\nclusters: [{name: c, cluster: {server: https://127.0.0.1:1}}]\n"
                         "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
                         "users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1, command: " +
                             plugin + ", env: [{name: MYVAR, value: abc}]}}}]\n",
                         d.path.string(), cfg);
  auto t = resolve_kube_target(cfg, {});
  KubeCredentials creds(t);
  for (int i = 0; i < 3; ++i) {
    HttpRequest req;
    creds.apply(req);
    ASSERT_EQ(req.headers.size(), 1u);
    EXPECT_EQ(req.headers[0].second, "Bearer tok-abc");
  }
  EXPECT_EQ(creds.exec_runs(), 1);  // cached until 2999
  EXPECT_TRUE(creds.invalidate());  // what a 401 does
  HttpRequest req;
  creds.apply(req);
  EXPECT_EQ(creds.exec_runs(), 2);
  std::ifstream in(counter);
  std::string all((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(all, "run\nrun\n");
  EXPECT_NE(t.identity().find("exec plugin"), std::string::npos);
  EXPECT_EQ(t.identity().find("tok-"), std::string::npos);  // never the secret
}

TEST(KubeCredentials, ExecPluginFailureAndExpiredCredential) {
  EXPECT_THROW(parse_exec_credential("p", "not json"), Error);
  EXPECT_THROW(parse_exec_credential("p", R"({"kind":"ExecCredential","status":{}})"), Error);
  auto c = parse_exec_credential(
      "p", R"({"kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"2020-01-01T00:00:00+01:00"}})");
  ASSERT_TRUE(c.expires);
  EXPECT_EQ(std::chrono::system_clock::to_time_t(*c.expires), 1577833200);
}

// kubeconfig proxy-url: every API request goes through the named proxy (here a one-shot
// hand-written HTTP proxy on loopback, FakeProxyServer, since the test must not leave the
// machine); the API server's name is never resolved here, only the proxy sees it.
TEST(KubeConfig, ProxyUrlCarriesApiRequestsThroughTheProxy_FakeProxyServer) {
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(lfd, 4), 0);
  ASSERT_EQ(::getsockname(lfd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  std::string seen;
  std::thread proxy([&] {
    pollfd pfd{lfd, POLLIN, 0};
    if (::poll(&pfd, 1, 10000) != 1) return;  // nobody came through the proxy: the test fails below
    int c = ::accept(lfd, nullptr, nullptr);
    char buf[4096];
    while (seen.find("\r\n\r\n") == std::string::npos) {
      ssize_t r = ::recv(c, buf, sizeof buf, 0);
      if (r <= 0) break;
      seen.append(buf, static_cast<size_t>(r));
    }
    const std::string body = R"({"kind":"Namespace","metadata":{"name":"ml"}})";
    const std::string resp =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nConnection: close\r\n\r\n" + body;
    ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
    ::close(c);
  });
  TempDir d;
  const std::string cfg =
      "clusters:\n- name: c\n  cluster:\n    server: http://api.cluster.invalid:6443\n"
      "    proxy-url: http://127.0.0.1:" +
      std::to_string(ntohs(a.sin_port)) +
      "\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: "
      "u}\ncurrent-context: x\n";
  auto set = load_kube_config({d.write("proxied.yaml", cfg), "", ""});
  KubeClient client(resolve_kube_target(set, {"", ""}));
  nlohmann::json ns;
  try {
    ns = client.get("/api/v1/namespaces/ml", {"get", "namespace ml"});
  } catch (const Error& e) {
    ADD_FAILURE() << e.message();
  }
  proxy.join();
  ::close(lfd);
  EXPECT_EQ(ns["metadata"]["name"], "ml");
  EXPECT_EQ(seen.rfind("GET http://api.cluster.invalid:6443/api/v1/namespaces/ml HTTP/1.1\r\n", 0), 0u) << seen;

  auto bad = d.write("bad-proxy.yaml",
                     "clusters:\n- name: c\n  cluster:\n    server: https://k:6443\n"
                     "    proxy-url: ftp://proxy:21\n");
  try {
    load_kube_config({bad, "", ""});
    FAIL() << "an ftp proxy-url was accepted";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("bad-proxy.yaml:5:"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("http://, https:// or socks5://"), std::string::npos) << e.message();
  }
}
