// Matching configured nodes to the dashboard's node list, which names nodes by IP: IP hosts,
// host names resolved here, and addresses a node reported over SSH (the shell text that asks
// for them is run for real under bash). No network: "localhost" resolves from /etc/hosts.
#include "cluster/launcher/cluster_probe.h"
#include "core/error.h"
#include "core/process.h"

#include <gtest/gtest.h>

namespace rayctl {
namespace {

const char* kNodesBody = R"({"result": true, "data": {"result": {"total": 3, "result": [
  {"node_id": "a1", "node_ip": "10.0.0.1", "is_head_node": true, "state": "ALIVE",
   "resources_total": {"CPU": 4.0, "GPU": 1.0}},
  {"node_id": "b2", "node_ip": "10.0.0.2", "is_head_node": false, "state": "ALIVE",
   "resources_total": {"CPU": 2.0}},
  {"node_id": "c3", "node_ip": "10.0.0.3", "is_head_node": false, "state": "DEAD", "resources_total": {}}]}}})";

LauncherNode node(const std::string& name, const std::string& host, bool head = false, bool local = false) {
  LauncherNode n;
  n.name = name;
  n.host = host;
  n.is_head = head;
  n.is_local = local;
  return n;
}

TEST(ClusterProbe, ParsesTheDashboardNodeList) {
  auto live = parse_live_nodes(kNodesBody);
  ASSERT_EQ(live.size(), 3u);
  EXPECT_TRUE(live[0].is_head);
  EXPECT_EQ(live[0].gpus, 1.0);
  EXPECT_EQ(live[1].cpus, 2.0);
  EXPECT_FALSE(live[2].alive);
  EXPECT_THROW(parse_live_nodes("<html>"), Error);
}

TEST(ClusterProbe, AddressesOfIpHostsAndNames) {
  EXPECT_TRUE(is_ip_address("192.168.231.12"));
  EXPECT_TRUE(is_ip_address("fe80::1"));
  EXPECT_FALSE(is_ip_address("rctl-h2"));
  EXPECT_FALSE(is_ip_address("10.0.0"));
  EXPECT_EQ(node_addresses("10.0.0.2", {"10.9.9.9"}), std::set<std::string>{"10.0.0.2"});  // an IP is itself
  auto local = node_addresses("localhost", {"10.0.0.7", "not-an-ip"});
  EXPECT_TRUE(local.count("127.0.0.1")) << "resolved here";
  EXPECT_TRUE(local.count("10.0.0.7")) << "reported by the node";
  EXPECT_FALSE(local.count("not-an-ip"));
}

TEST(ClusterProbe, NamedNodesMatchThroughTheirAddresses) {
  auto live = parse_live_nodes(kNodesBody);
  auto worker = node("worker-1", "gpu-box-2");
  EXPECT_EQ(match_live_node(live, worker, {"10.0.0.2"}), &live[1]);
  EXPECT_EQ(match_live_node(live, worker, {"192.168.1.2"}), nullptr);
  EXPECT_EQ(match_live_node(live, worker, {"10.0.0.3"}), nullptr) << "a DEAD node is not ALIVE";
  EXPECT_EQ(match_live_node(live, node("head", "10.0.0.1", true)), &live[0]);
  EXPECT_EQ(match_live_node(live, node("head", "127.0.0.1", true, true), {}), &live[0]) << "a local head";
}

TEST(ClusterProbe, NodesReportTheirAddressesOverSsh) {
  ProcessSpec spec;
  spec.argv = {"bash", "-c", report_addresses_command()};
  spec.env_add = {{"SSH_CONNECTION", "192.168.231.1 50022 192.168.231.12 22"}};
  ProcessResult r = run_process(spec);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto got = parse_reported_addresses(r.out.substr(0, r.out.find('\n')));
  ASSERT_FALSE(got.empty()) << r.out;
  EXPECT_EQ(got.front(), "192.168.231.12") << "the address sshd was reached on comes first";
  EXPECT_EQ(parse_reported_addresses("rayctl-addresses: 10.0.0.2 10.0.0.2 fe80::1 junk"),
            (std::vector<std::string>{"10.0.0.2", "fe80::1"}));
  EXPECT_TRUE(parse_reported_addresses("something else 10.0.0.2").empty());
}

}  // namespace
}  // namespace rayctl
