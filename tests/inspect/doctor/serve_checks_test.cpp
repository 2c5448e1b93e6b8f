// The serve and resources layers' classification, fed GET /api/serve/applications/ and
// /api/v0/nodes, /api/cluster_status?format=1 replies in Ray 2.60's shapes.
#include "inspect/doctor/serve_checks.h"
#include "inspect/doctor/resource_fit.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

// ServeInstanceDetails with one application in `app_status` and one deployment.
nlohmann::json details(const std::string& app_status, const std::string& dep_status, const std::string& app_message,
                       int target, const std::vector<std::string>& replica_states,
                       const nlohmann::json& required = {{"CPU", 1.0}}, const std::string& dep_message = "") {
  nlohmann::json replicas = nlohmann::json::array();
  int i = 0;
  for (const auto& st : replica_states)
    replicas.push_back({{"node_id", "n1"},
                        {"node_ip", "192.168.231.11"},
                        {"actor_id", "a" + std::to_string(i)},
                        {"replica_id", "r" + std::to_string(i++)},
                        {"state", st},
                        {"pid", 4242},
                        {"log_file_path", "/serve/replica_echo_Echo_r.log"},
                        {"start_time_s", 1.0}});
  nlohmann::json j = nlohmann::json::parse(R"({
    "controller_info": {"node_id": "n1", "node_ip": "192.168.231.11", "actor_id": "c1", "log_file_path": "/serve/controller_1.log"},
    "proxy_location": "EveryNode",
    "http_options": {"host": "0.0.0.0", "port": 8000, "root_path": "", "keep_alive_timeout_s": 90},
    "grpc_options": {"port": 9000, "grpc_servicer_functions": []},
    "proxies": {"n1": {"node_id": "n1", "node_ip": "192.168.231.11", "actor_id": "p1", "status": "HEALTHY"},
                "n2": {"node_id": "n2", "node_ip": "192.168.231.12", "actor_id": "p2", "status": "DRAINED"}},
    "deploy_mode": "MULTI_APP", "target_capacity": null, "target_groups": []})");
  j["applications"] = {{"echo",
                        {{"name", "echo"},
                         {"route_prefix", "/echo"},
                         {"docs_path", nullptr},
                         {"status", app_status},
                         {"message", app_message},
                         {"last_deployed_time_s", 1.0},
                         {"source", "declarative"},
                         {"external_scaler_enabled", false},
                         {"deployments",
                          {{"Echo",
                            {{"name", "Echo"},
                             {"status", dep_status},
                             {"status_trigger", "CONFIG_UPDATE_STARTED"},
                             {"message", dep_message},
                             {"deployment_config", {{"name", "Echo"}}},
                             {"target_num_replicas", target},
                             {"required_resources", required},
                             {"replicas", replicas}}}}}}}};
  return j;
}

std::vector<DoctorFinding> of(const std::vector<DoctorFinding>& fs, const std::string& id) {
  std::vector<DoctorFinding> out;
  for (const auto& f : fs)
    if (f.id == id) out.push_back(f);
  return out;
}

TEST(ServeChecks, HealthyServeIsOkAllTheWay) {
  auto d = details("RUNNING", "HEALTHY", "", 1, {"RUNNING"});
  auto fs = serve_findings(parse_serve_status(d), d, "");
  for (const auto& f : fs) EXPECT_EQ(f.state, CheckState::Ok) << f.id << " " << f.summary;
  EXPECT_EQ(of(fs, "DR401")[0].summary, "controller running on 192.168.231.11");
  EXPECT_EQ(of(fs, "DR402")[0].summary, "1 proxy HEALTHY (192.168.231.12 DRAINED)");
  EXPECT_EQ(of(fs, "DR404")[0].summary, "RUNNING at /echo");
  EXPECT_EQ(of(fs, "DR405")[0].summary, "healthy: Echo 1/1 running");
}

TEST(ServeChecks, NoServeWarnsUnlessAnAppWasAskedFor) {
  auto none = nlohmann::json::parse(
      R"({"deploy_mode":"MULTI_APP","controller_info":{},"proxies":{},"applications":{},"target_capacity":null})");
  auto fs = serve_findings(parse_serve_status(none), none, "");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].id, "DR401");
  EXPECT_EQ(fs[0].state, CheckState::Warn);
  EXPECT_EQ(serve_findings(parse_serve_status(none), none, "echo")[0].state, CheckState::Fail);
}

TEST(ServeChecks, MissingAppIsNamedWithTheDeployedOnes) {
  auto d = details("RUNNING", "HEALTHY", "", 1, {"RUNNING"});
  auto f = of(serve_findings(parse_serve_status(d), d, "llm"), "DR403");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].state, CheckState::Fail);
  EXPECT_EQ(f[0].evidence, std::vector<std::string>{"deployed: echo"});
}

TEST(ServeChecks, BadImportPathFailsWithServesMessage) {
  const std::string msg =
      "Deploying app 'echo' failed with exception:\nTraceback (most recent call last):\n"
      "  File \"/venv/lib/python3.11/site-packages/ray/serve/_private/application_state.py\", line 1456, in build\n"
      "    app = call_user_app_builder_with_args_if_necessary(import_attr(import_path), args)\n"
      "ModuleNotFoundError: No module named 'no_such_module'\n";
  auto d = details("DEPLOY_FAILED", "UPDATING", msg, 1, {});
  auto fs = serve_findings(parse_serve_status(d), d, "");
  auto f = of(fs, "DR404");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].state, CheckState::Fail);
  EXPECT_EQ(f[0].summary, "application echo is DEPLOY_FAILED");
  EXPECT_EQ(f[0].evidence.back(), "ModuleNotFoundError: No module named 'no_such_module'");
}

TEST(ServeChecks, UnhealthyDeploymentFailsAndUpdatingOnlyWarns) {
  auto bad = details("UNHEALTHY", "UNHEALTHY", "", 1, {"RUNNING"}, {{"CPU", 1.0}}, "replica health check failed");
  auto f = of(serve_findings(parse_serve_status(bad), bad, ""), "DR405");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].state, CheckState::Fail);
  EXPECT_EQ(f[0].subject, "echo/Echo");
  EXPECT_EQ(f[0].evidence, std::vector<std::string>{"replica health check failed"});
  auto moving = details("DEPLOYING", "UPDATING", "", 1, {"STARTING"});
  for (const auto& g : serve_findings(parse_serve_status(moving), moving, ""))
    EXPECT_NE(g.state, CheckState::Fail) << g.id << " " << g.summary;
}

TEST(ServeChecks, MessageLinesKeepTheTracebacksEnd) {
  std::string msg = "first\n";
  for (int i = 0; i < 30; ++i) msg += "  line " + std::to_string(i) + "\n";
  msg += "ValueError: boom";
  auto lines = message_lines(msg, 5);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], "first");
  EXPECT_EQ(lines[1], "...");
  EXPECT_EQ(lines.back(), "ValueError: boom");
}

const char* kNodes = R"([
  {"node_id": "n1", "node_ip": "192.168.231.11", "is_head_node": true, "state": "ALIVE",
   "resources_total": {"CPU": 1.0, "memory": 2.0e9, "object_store_memory": 1.0e9, "node:192.168.231.11": 1.0}},
  {"node_id": "n2", "node_ip": "192.168.231.12", "is_head_node": false, "state": "ALIVE",
   "resources_total": {"CPU": 1.0, "memory": 2.0e9}},
  {"node_id": "n9", "node_ip": "192.168.231.19", "is_head_node": false, "state": "DEAD",
   "resources_total": {"CPU": 8.0, "GPU": 4.0}}])";

std::vector<NodeResources> nodes() {
  std::vector<nlohmann::json> rows;
  for (const auto& r : nlohmann::json::parse(kNodes)) rows.push_back(r);
  return parse_node_resources(rows);
}

// data.clusterStatus of /api/cluster_status?format=1 (autoscaler v2's formatter).
const char* kStatus =
    "======== Autoscaler status: 2026-12-04 09:10:00.000000 ========\n"
    "Node status\n---------------------------------------------------------------\nActive:\n"
    " 1 local.cluster.node\nIdle:\n 2 local.cluster.node\nPending:\n (no pending nodes)\nRecent failures:\n"
    " (no failures)\n\nResources\n---------------------------------------------------------------\n"
    "Total Usage:\n 3.0/3.0 CPU\n 1.0/1.0 GPU\n 0B/5.59GiB memory\n 0B/2.40GiB object_store_memory\n\n"
    "From request_resources:\n (none)\nPending Demands:\n {'CPU': 1.0, 'GPU': 1.0}: 1+ pending tasks/actors";

TEST(ResourceFit, ParsesRayStatusUsageAndDemands) {
  ClusterUsage u = parse_cluster_status_text(kStatus);
  EXPECT_EQ(u.used_total.at("CPU"), std::make_pair(3.0, 3.0));
  EXPECT_EQ(u.used_total.at("GPU"), std::make_pair(1.0, 1.0));
  EXPECT_EQ(u.used_total.count("memory"), 0u);  // sizes with units stay lines
  EXPECT_EQ(u.usage_lines.size(), 4u);
  EXPECT_EQ(u.demand_lines,
            std::vector<std::string>{"ray status pending: {'CPU': 1.0, 'GPU': 1.0}: 1+ pending tasks/actors"});
  EXPECT_TRUE(parse_cluster_status_text("").usage_lines.empty());
}

TEST(ResourceFit, GpuAskOnACpuOnlyClusterFails) {
  auto d = details("DEPLOYING", "UPDATING", "", 1, {}, {{"CPU", 1.0}, {"GPU", 1.0}});
  ServeStatus s = parse_serve_status(d);
  EXPECT_TRUE(replicas_pending(s, ""));
  auto fs = resource_findings(s, nodes(), ClusterUsage{}, "");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].id, "DR501");
  EXPECT_EQ(fs[0].state, CheckState::Fail);
  EXPECT_EQ(fs[0].subject, "echo/Echo");
  EXPECT_EQ(fs[0].summary,
            "deployment Echo asks {CPU: 1, GPU: 1} per replica and no node can hold one: GPU 1 (no node has GPU)");
  EXPECT_EQ(fs[0].evidence[0], "node 192.168.231.11 has CPU 1, GPU 0");  // the DEAD node's GPUs do not count
}

TEST(ResourceFit, ResourceThatExistsButIsTakenFails) {
  std::vector<NodeResources> ns = nodes();
  ns[1].total["GPU"] = 1;
  auto d = details("DEPLOYING", "UPDATING", "", 2, {"RUNNING"}, {{"GPU", 1.0}});
  auto fs = resource_findings(parse_serve_status(d), ns, parse_cluster_status_text(kStatus), "");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].state, CheckState::Fail);
  EXPECT_EQ(fs[0].summary,
            "1 of 2 replica(s) of Echo pending: the cluster has {GPU: 1} but not free (GPU 1 asked, 0 of 1 free)");
}

TEST(ResourceFit, StartingReplicasThatFitOnlyWarnAndPlacedOnesAreOk) {
  auto starting = details("DEPLOYING", "UPDATING", "", 1, {"STARTING"}, {{"CPU", 0.5}});
  auto fs = resource_findings(parse_serve_status(starting), nodes(), ClusterUsage{}, "");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].state, CheckState::Warn);
  auto placed = details("RUNNING", "HEALTHY", "", 1, {"RUNNING"});
  ServeStatus s = parse_serve_status(placed);
  EXPECT_FALSE(replicas_pending(s, ""));
  auto ok = resource_findings(s, {}, ClusterUsage{}, "");
  ASSERT_EQ(ok.size(), 1u);
  EXPECT_EQ(ok[0].state, CheckState::Ok);
  EXPECT_EQ(ok[0].summary, "all 1 replica(s) placed: nothing waits for resources");
}

TEST(ResourceFit, ServesOwnUnscheduledMessageFailsEvenWithoutUsage) {
  auto d = details("DEPLOYING", "UPDATING", "", 1, {"STARTING"}, {{"CPU", 1.0}},
                   "Deployment 'Echo' in application 'echo' has 1 replicas that have taken more than 30s to be "
                   "scheduled. This may be due to waiting for the cluster to auto-scale or for a runtime environment "
                   "to be installed. Resources required for each replica: {\"CPU\": 1}, total resources available: "
                   "{}. Use `ray status` for more details.");
  auto fs = resource_findings(parse_serve_status(d), nodes(), ClusterUsage{}, "");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].state, CheckState::Fail);
}

}  // namespace
}  // namespace rayctl
