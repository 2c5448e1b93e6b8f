// The app layer's reading of a real request through Serve's proxy: the proxy's own 404, no
// connection, a server error, an application's answer; and the replica log lines shown.
#include "inspect/doctor/route_probe.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

TEST(RouteProbe, ProxysOwn404MeansNoRouteMatches) {
  RouteReply r{"", false, 404, "Path '/nope' not found. Ping http://.../-/routes for available routes."};
  auto f = classify_route_reply("/nope", 8000, r);
  EXPECT_EQ(f.id, "DR601");
  EXPECT_EQ(f.state, CheckState::Fail);
  EXPECT_EQ(f.subject, "/nope");
  EXPECT_EQ(f.evidence[0],
            "GET /nope → HTTP 404: Path '/nope' not found. Ping http://.../-/routes for available routes.");
}

TEST(RouteProbe, AnApplicationsOwn4xxIsAnAnswer) {
  auto f = classify_route_reply("/echo/missing", 8000, RouteReply{"", false, 404, "{\"detail\":\"Not Found\"}"});
  EXPECT_EQ(f.state, CheckState::Ok);
  EXPECT_EQ(f.summary, "GET /echo/missing → HTTP 404: the application's own answer (a route matched)");
  EXPECT_EQ(classify_route_reply("/echo", 8000, RouteReply{"", false, 405, ""}).state, CheckState::Ok);
  EXPECT_EQ(classify_route_reply("/echo", 8000, RouteReply{"", false, 200, "{}"}).summary, "GET /echo → HTTP 200");
}

TEST(RouteProbe, NoConnectionAndServerErrors) {
  auto refused = classify_route_reply(
      "/echo", 8000, RouteReply{"Failed to connect to 127.0.0.1 port 41234: Connection refused", false, 0, ""});
  EXPECT_EQ(refused.id, "DR602");
  EXPECT_EQ(refused.state, CheckState::Fail);
  EXPECT_EQ(refused.summary, "no reply from the Serve proxy on port 8000 for GET /echo");
  RouteReply slow{
      "request to http://127.0.0.1:41234/llm timed out: Operation timed out after 5000 milliseconds with 0 "
      "bytes received",
      true, 0, ""};
  auto stuck = classify_route_reply("/llm", 8000, slow);
  EXPECT_EQ(stuck.id, "DR603");
  EXPECT_EQ(stuck.state, CheckState::Fail);
  EXPECT_NE(stuck.fix.find("--check-timeout"), std::string::npos);
  auto boom = classify_route_reply("/boom", 8000, RouteReply{"", false, 500, "Internal Server Error"});
  EXPECT_EQ(boom.id, "DR603");
  EXPECT_EQ(boom.state, CheckState::Fail);
  EXPECT_EQ(boom.evidence[0], "GET /boom → HTTP 500: Internal Server Error");
}

TEST(RouteProbe, LongestPrefixPicksTheApplication) {
  ServeStatus s;
  for (auto [name, prefix] : {std::pair{"root", "/"}, {"a", "/a"}, {"ab", "/a/b"}}) {
    ServeAppStatus a;
    a.name = name;
    a.route_prefix = prefix;
    s.apps.push_back(a);
  }
  EXPECT_EQ(app_for_path(s, "/a/b/c")->name, "ab");
  EXPECT_EQ(app_for_path(s, "/a")->name, "a");
  EXPECT_EQ(app_for_path(s, "/ab")->name, "root");
  s.apps.erase(s.apps.begin());
  EXPECT_EQ(app_for_path(s, "/nope"), nullptr);
}

TEST(RouteProbe, RouteTableLines) {
  EXPECT_EQ(route_table_lines("{\"/echo\": \"echo\"}"), std::vector<std::string>{"route /echo → application echo"});
  EXPECT_EQ(route_table_lines("{}"), std::vector<std::string>{"the proxy's route table (GET /-/routes) is empty"});
}

TEST(RouteProbe, ErrorLogLinesShowTheTracebackUpToItsException) {
  std::string log =
      "INFO 2026-12-04 09:00:00,000 echo_Boom abc -- GET /boom 200 1.0ms\n"
      "ERROR 2026-12-04 09:00:01,000 echo_Boom abc -- Request failed:\n"
      "Traceback (most recent call last):\n"
      "  File \"/venv/ray/serve/_private/replica.py\", line 1, in handle\n"
      "    result = await self._call(request)\n"
      "             ^^^^^^^^^^^^^^^^^^^^^^^^^\n"
      "  File \"/work/boom.py\", line 9, in __call__\n"
      "    raise RuntimeError(\"boom on every request\")\n"
      "RuntimeError: boom on every request\n"
      "INFO 2026-12-04 09:00:01,001 echo_Boom abc -- GET /boom 500 2.0ms\n";
  auto lines = error_log_lines(log, 4);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "Traceback (most recent call last):");
  EXPECT_EQ(lines[1], "...");
  EXPECT_EQ(lines.back(), "RuntimeError: boom on every request");
  for (const auto& l : error_log_lines(log, 20)) EXPECT_TRUE(worth_showing(l)) << l;  // no ^^^^ underline
  EXPECT_EQ(error_log_lines(log, 20).size(), 6u);
  EXPECT_EQ(error_log_lines("a\nb\nc\n", 2), (std::vector<std::string>{"b", "c"}));
}

TEST(RouteProbe, HttpPortFromServesOptions) {
  ServeStatus s;
  EXPECT_EQ(serve_http_port(s), 8000);
  s.http_options = {{"port", 8085}};
  EXPECT_EQ(serve_http_port(s), 8085);
}

}  // namespace
}  // namespace rayctl
