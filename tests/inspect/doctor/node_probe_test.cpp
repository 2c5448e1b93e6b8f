// The doctor's per-node probe: the command it runs, how its output is read, and the ssh / ray
// layer checks (DR101-DR103, DR201-DR203) drawn from it.
#include "inspect/doctor/node_probe.h"

#include "cluster/launcher/cluster_probe.h"
#include "core/process.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <regex>

namespace rayctl {
namespace {

// Runs shell text here and feeds its stdout lines to a probe.
NodeProbe run_probe(const std::string& cmd) {
  NodeProbe p;
  std::unique_ptr<FILE, int (*)(FILE*)> f(popen(("bash -c " + shell_quote(cmd)).c_str(), "r"), pclose);
  char buf[4096];
  while (fgets(buf, sizeof buf, f.get())) {
    std::string line(buf);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    p.add_line(1, line);
  }
  return p;
}

TEST(NodeProbe, ReadsRayProcessesFromPs) {
  NodeProbe p;
  p.add_line(1, "rayctl-ps: 1 sshd sshd: /usr/sbin/sshd -D -e -f /x");
  p.add_line(1,
             "rayctl-ps: 212 gcs_server /venv/lib/python3.11/site-packages/ray/core/src/ray/gcs/gcs_server "
             "--log_dir=/tmp/ray");
  p.add_line(
      1,
      "rayctl-ps: 260 raylet /venv/lib/python3.11/site-packages/ray/core/src/ray/raylet/raylet --raylet_socket_name=x");
  p.add_line(1,
             "rayctl-ps: 230 python /venv/bin/python -u /venv/lib/python3.11/site-packages/ray/dashboard/dashboard.py "
             "--host=127.0.0.1");
  p.add_line(1, "rayctl-ps: 231 python /venv/bin/python -u /venv/lib/python3.11/site-packages/ray/dashboard/agent.py");
  EXPECT_EQ(p.processes.at("raylet"), 260);
  EXPECT_EQ(p.processes.at("gcs_server"), 212);
  EXPECT_EQ(p.processes.at("dashboard"), 230);
  EXPECT_EQ(p.processes.size(), 3u);
}

TEST(NodeProbe, KeepsLogLinesPerProcessAndTheGcsNodes) {
  NodeProbe p;
  p.add_line(1, "rayctl-log: raylet raylet.out: [2026-12-04 09:00:01] Raylet is terminated: SIGKILL");
  p.add_line(1,
             "rayctl-gcs-nodes: {\"data\":{\"result\":{\"result\":[{\"node_id\":\"abc\",\"node_ip\":\"192.168.231.11\","
             "\"is_head_node\":true,\"state\":\"ALIVE\",\"resources_total\":{\"CPU\":1.0}}]}}}");
  p.add_line(2, "Traceback (most recent call last):");
  ASSERT_EQ(p.logs["raylet"].size(), 1u);
  EXPECT_EQ(p.logs["raylet"][0], "raylet.out: [2026-12-04 09:00:01] Raylet is terminated: SIGKILL");
  ASSERT_TRUE(p.gcs_nodes);
  EXPECT_EQ((*p.gcs_nodes)[0].ip, "192.168.231.11");
  EXPECT_EQ(p.errors, std::vector<std::string>{"Traceback (most recent call last):"});
}

TEST(NodeProbe, CommandTailsTheLogsOfAProcessThatIsNotRunning) {
  // A fake session dir, and a process name nothing runs under (a Ray on this machine must not matter).
  const RayComponent gone{"rayctl-gone", {"raylet.out", "raylet.err"}};
  char tmpl[] = "/tmp/doctor-probe-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::system(("mkdir -p " + dir + "/session_latest/logs").c_str());
  std::ofstream(dir + "/session_latest/logs/raylet.out") << "line one\nRaylet received SIGTERM\n";
  NodeProbe p = run_probe(node_probe_command(dir, {gone}, 1));
  ASSERT_EQ(p.logs["rayctl-gone"].size(), 1u);
  EXPECT_EQ(p.logs["rayctl-gone"][0], "raylet.out: Raylet received SIGTERM");
  NodeProbe none = run_probe(node_probe_command(dir + "/missing", {gone}));
  ASSERT_EQ(none.logs["rayctl-gone"].size(), 1u);
  EXPECT_EQ(none.logs["rayctl-gone"][0], "no Ray logs under " + dir + "/missing/session_latest/logs");
  std::system(("rm -rf " + dir).c_str());
}

LauncherNode node(const std::string& name, const std::string& host, bool head) {
  LauncherNode n;
  n.name = name;
  n.host = host;
  n.is_head = head;
  return n;
}

TEST(NodeChecks, ConnectErrorsMapToTheirChecks) {
  NodeOutcome o;
  o.error = "node head: cannot connect to root@192.168.231.11:22: Connection refused";
  o.error_kind = ErrorKind::Network;
  auto f = ssh_finding("head", "root@192.168.231.11:22", false, o);
  EXPECT_EQ(f.id, "DR101");
  EXPECT_EQ(f.state, CheckState::Fail);
  EXPECT_EQ(f.subject, "head");
  EXPECT_NE(f.summary.find("root@192.168.231.11:22"), std::string::npos);
  EXPECT_EQ(f.evidence[0], o.error);
  o.error_kind = ErrorKind::HostKey;
  EXPECT_EQ(ssh_finding("head", "a", false, o).id, "DR102");
  o.error_kind = ErrorKind::Auth;
  EXPECT_EQ(ssh_finding("head", "a", false, o).id, "DR103");
  EXPECT_EQ(ssh_finding("head", "a", true, NodeOutcome{}).state, CheckState::Ok);
}

TEST(NodeChecks, RayletMissingOnAWorkerFailsWithItsLogLines) {
  NodeProbe p;
  p.add_line(1, "rayctl-ps: 9 python /venv/bin/python default_worker.py");
  p.add_line(1, "rayctl-log: raylet raylet.err: [raylet] fatal: lost GCS");
  auto fs = process_findings(node("worker-1", "192.168.231.12", false), p, "");
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].id, "DR201");
  EXPECT_EQ(fs[0].state, CheckState::Fail);
  EXPECT_EQ(fs[0].subject, "worker-1");
  EXPECT_EQ(fs[0].summary, "raylet is not running on worker-1 (192.168.231.12)");
  EXPECT_EQ(fs[0].evidence, std::vector<std::string>{"raylet.err: [raylet] fatal: lost GCS"});
}

TEST(NodeChecks, HeadNeedsTheGcsToo) {
  NodeProbe p;
  p.add_line(1, "rayctl-ps: 260 raylet /x/raylet");
  auto fs = process_findings(node("head", "h", true), p, "");
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].state, CheckState::Ok);
  EXPECT_EQ(fs[1].id, "DR202");
  EXPECT_EQ(fs[1].state, CheckState::Fail);
  EXPECT_EQ(process_findings(node("head", "h", true), p, "connection lost")[0].state, CheckState::Fail);
}

TEST(NodeChecks, EveryNodeMustBeAliveInTheGcs) {
  ClusterTarget t;
  t.nodes = {node("head", "192.168.231.11", true), node("worker-1", "192.168.231.12", false),
             node("worker-2", "192.168.231.13", false)};
  NodeProbe head;
  head.add_line(1, "rayctl-ps: 212 gcs_server /x/gcs_server");
  head.add_line(1,
                "rayctl-gcs-nodes: {\"data\":{\"result\":{\"result\":["
                "{\"node_id\":\"a1\",\"node_ip\":\"192.168.231.11\",\"is_head_node\":true,\"state\":\"ALIVE\"},"
                "{\"node_id\":\"b2\",\"node_ip\":\"192.168.231.12\",\"is_head_node\":false,\"state\":\"DEAD\"}]}}}");
  auto fs = gcs_findings(t, head);
  ASSERT_EQ(fs.size(), 3u);
  EXPECT_EQ(fs[0].state, CheckState::Ok);
  EXPECT_EQ(fs[1].state, CheckState::Fail);
  EXPECT_EQ(fs[1].summary, "worker-1 (192.168.231.12) is DEAD in the GCS");
  EXPECT_EQ(fs[2].summary, "worker-2 (192.168.231.13) is not in the GCS's node list");
  EXPECT_EQ(fs[2].evidence.size(), 2u);

  NodeProbe silent;
  silent.add_line(1, "rayctl-ps: 212 gcs_server /x/gcs_server");
  silent.add_line(2, "ray.exceptions.RpcError: failed to connect to GCS");
  auto none = gcs_findings(t, silent);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].state, CheckState::Fail);
  EXPECT_EQ(none[0].evidence, std::vector<std::string>{"ray.exceptions.RpcError: failed to connect to GCS"});
  EXPECT_TRUE(gcs_findings(t, NodeProbe{}).empty());  // no GCS process: DR202 says so
}

TEST(NodeChecks, DashboardEvidenceCommandNamesTheLog) {
  std::string cmd = dashboard_evidence_command("/tmp/ray");
  EXPECT_NE(cmd.find("/tmp/ray/session_latest/logs/dashboard.log"), std::string::npos);
  char tmpl[] = "/tmp/doctor-dash-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  std::system(("mkdir -p " + dir + "/session_latest/logs").c_str());
  std::ofstream(dir + "/session_latest/logs/dashboard.log") << "INFO start\nERROR dashboard died\n";
  std::unique_ptr<FILE, int (*)(FILE*)> f(
      popen(("bash -c " + shell_quote(dashboard_evidence_command(dir, 1))).c_str(), "r"), pclose);
  std::string out;
  char buf[512];
  while (fgets(buf, sizeof buf, f.get())) out += buf;
  // Running or not (a Ray on this machine may have one), it says which for both processes.
  EXPECT_TRUE(
      std::regex_search(out, std::regex("(no dashboard\\.py process on the head|process dashboard\\.py "
                                        "running \\(pid [0-9]+\\))\n(no agent\\.py process|process agent\\.py)")))
      << out;
  EXPECT_NE(out.find("last lines of dashboard.log:\nERROR dashboard died\n"), std::string::npos) << out;
  EXPECT_NE(out.find("ERROR dashboard died"), std::string::npos) << out;
  EXPECT_EQ(out.find("INFO start"), std::string::npos) << out;
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace rayctl
