// ServeStatus: parsing the dashboard's ServeInstanceDetails (shape recorded from Ray 2.53) and
// the health verdict behind `rayctl serve status`'s exit code.
#include "serve/deploy/serve_status.h"

#include <gtest/gtest.h>

using namespace rayctl;
using nlohmann::json;

namespace {
json details(const std::string& app_status, const std::string& dep_status, int running, int target) {
  json reps = json::array();
  for (int i = 0; i < running; ++i)
    reps.push_back({{"replica_id", "r" + std::to_string(i)},
                    {"state", "RUNNING"},
                    {"node_id", "n1"},
                    {"actor_id", "a"},
                    {"pid", 10}});
  if (target > running) reps.push_back({{"replica_id", "p"}, {"state", "STARTING"}});
  return {{"controller_info", {{"node_id", "n1"}}},
          {"proxies", {{"n1", {{"status", "HEALTHY"}}}}},
          {"applications",
           {{"rag",
             {{"name", "rag"},
              {"status", app_status},
              {"message", ""},
              {"route_prefix", "/"},
              {"source", "declarative"},
              {"last_deployed_time_s", 12.5},
              {"deployed_app_config", {{"name", "rag"}}},
              {"deployments",
               {{"Retriever",
                 {{"name", "Retriever"},
                  {"status", dep_status},
                  {"status_trigger", "X"},
                  {"message", ""},
                  {"target_num_replicas", target},
                  {"replicas", reps},
                  {"required_resources", {{"CPU", 0.5}}}}}}}}}}},
          {"target_capacity", nullptr}};
}
}  // namespace

TEST(ServeStatus, RunningIsExitZero) {
  auto s = parse_serve_status(details("RUNNING", "HEALTHY", 2, 2));
  EXPECT_TRUE(s.serve_running);
  ASSERT_EQ(s.apps.size(), 1u);
  EXPECT_EQ(s.apps[0].deployments[0].running(), 2);
  EXPECT_EQ(exit_code_for(serve_health(s)), ExitCode::Ok);
}

TEST(ServeStatus, DeployingIsPending) {
  auto s = parse_serve_status(details("DEPLOYING", "UPDATING", 1, 2));
  EXPECT_EQ(exit_code_for(serve_health(s)), ExitCode::Pending);
  EXPECT_EQ(replica_summary(s.apps[0].deployments[0]), "1/2 running (1 STARTING)");
}

TEST(ServeStatus, FailedAndUnhealthyAreExitFour) {
  EXPECT_EQ(exit_code_for(serve_health(parse_serve_status(details("DEPLOY_FAILED", "HEALTHY", 0, 1)))),
            ExitCode::Unhealthy);
  EXPECT_EQ(exit_code_for(serve_health(parse_serve_status(details("RUNNING", "UNHEALTHY", 1, 1)))),
            ExitCode::Unhealthy);
  auto d = details("RUNNING", "HEALTHY", 1, 1);
  d["proxies"]["n1"]["status"] = "UNHEALTHY";
  EXPECT_EQ(exit_code_for(serve_health(parse_serve_status(d))), ExitCode::Unhealthy);
}

TEST(ServeStatus, UnknownAppIsNotFoundNamingLiveApps) {
  auto s = parse_serve_status(details("RUNNING", "HEALTHY", 1, 1));
  try {
    serve_health(s, {"nope"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    EXPECT_NE(e.hint().find("rag"), std::string::npos);
  }
}

TEST(ServeStatus, NotRunningServe) {
  json d = {{"deploy_mode", "MULTI_APP"},
            {"controller_info", json::object()},
            {"proxies", json::object()},
            {"applications", json::object()},
            {"target_capacity", nullptr}};
  auto s = parse_serve_status(d);
  EXPECT_FALSE(s.serve_running);
  EXPECT_EQ(exit_code_for(serve_health(s)), ExitCode::Ok);
  auto j = serve_status_json(s);
  EXPECT_EQ(j["applications"].size(), 0u);
}

TEST(ServeStatus, JsonShape) {
  auto j = serve_status_json(parse_serve_status(details("DEPLOYING", "UPDATING", 1, 2)));
  EXPECT_EQ(j["health"], "pending");
  EXPECT_EQ(j["applications"]["rag"]["deployments"]["Retriever"]["running_replicas"], 1);
  EXPECT_EQ(j["applications"]["rag"]["deployments"]["Retriever"]["target_replicas"], 2);
  EXPECT_EQ(j["applications"]["rag"]["deployments"]["Retriever"]["replica_states"]["STARTING"], 1);
}
