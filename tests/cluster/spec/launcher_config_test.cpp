// The launcher-file loader beyond the fixture table: Ray's defaults, the node list rayctl plans
// from, rayctl's SSH extensions and per-group resources.
#include "cluster/spec/launcher_config.h"
#include "core/yaml_source.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace rayctl;

namespace {

std::optional<LauncherConfig> load(const std::string& text, Diagnostics& diags) {
  auto f = YamlFile::parse("cluster.yaml", text);
  return load_launcher_config(f.documents.at(0), diags);
}

bool contains(const std::vector<std::string>& v, const std::string& needle) {
  for (const auto& s : v)
    if (s.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(LauncherLoader, RayDefaultStartCommandsWhenUnset) {
  Diagnostics diags;
  auto c = load(
      "cluster_name: c1\n"
      "provider:\n"
      "  type: local\n"
      "  head_ip: 10.0.0.1\n"
      "  worker_ips: [10.0.0.2, 10.0.0.3]\n"
      "auth:\n"
      "  ssh_user: ray\n",
      diags);
  ASSERT_TRUE(c);
  EXPECT_EQ(diags.error_count(), 0u);
  EXPECT_EQ(c->cluster_name, "c1");
  ASSERT_EQ(c->nodes.size(), 3u);
  EXPECT_TRUE(c->nodes[0].is_head);
  EXPECT_EQ(c->nodes[0].host, "10.0.0.1");
  EXPECT_FALSE(c->nodes[1].is_head);
  EXPECT_EQ(c->nodes[2].host, "10.0.0.3");
  EXPECT_TRUE(contains(c->nodes[0].start_ray_commands, "ray start --head --port=6379"));
  EXPECT_TRUE(contains(c->nodes[1].start_ray_commands, "ray start --address=$RAY_HEAD_IP:6379"));
  EXPECT_FALSE(contains(c->nodes[1].start_ray_commands, "--head"));
  EXPECT_EQ(c->ssh.user, "ray");
  EXPECT_EQ(c->ssh.port, 22);
  // Node names are unique.
  std::set<std::string> names;
  for (const auto& n : c->nodes) names.insert(n.name);
  EXPECT_EQ(names.size(), 3u);
}

TEST(LauncherLoader, LocalHostsRunWithoutSshAndSetupCommandsMerge) {
  Diagnostics diags;
  auto c = load(
      "cluster_name: local\n"
      "provider: {type: local, head_ip: 127.0.0.1, worker_ips: []}\n"
      "setup_commands: [echo common]\n"
      "head_setup_commands: [echo head-only]\n"
      "worker_setup_commands: [echo worker-only]\n",
      diags);
  ASSERT_TRUE(c);
  EXPECT_EQ(diags.error_count(), 0u);
  ASSERT_EQ(c->nodes.size(), 1u);
  EXPECT_TRUE(c->nodes[0].is_local);
  EXPECT_TRUE(contains(c->nodes[0].setup_commands, "echo common"));
  EXPECT_TRUE(contains(c->nodes[0].setup_commands, "echo head-only"));
  EXPECT_FALSE(contains(c->nodes[0].setup_commands, "echo worker-only"));
}

TEST(LauncherLoader, SshExtensionsAndKeyPathExpansion) {
  Diagnostics diags;
  auto c = load(
      "cluster_name: c\n"
      "provider:\n"
      "  type: local\n"
      "  head_ip: 10.0.0.1\n"
      "  worker_ips: []\n"
      "  ssh_port: 2222\n"
      "  bastion: jump@10.0.0.254:22\n"
      "  connect_timeout_s: 3\n"
      "  ssh_alive_interval_s: 5\n"
      "  ssh_alive_count_max: 4\n"
      "auth:\n"
      "  ssh_user: ops\n"
      "  ssh_private_key: ~/.ssh/id_ed25519\n",
      diags);
  ASSERT_TRUE(c);
  EXPECT_EQ(diags.error_count(), 0u);
  EXPECT_EQ(c->ssh.port, 2222);
  EXPECT_EQ(c->ssh.bastion, "jump@10.0.0.254:22");
  EXPECT_EQ(c->ssh.connect_timeout_s, 3);
  EXPECT_EQ(c->ssh.alive_interval_s, 5);
  EXPECT_EQ(c->ssh.alive_count_max, 4);
  const char* home = std::getenv("HOME");
  ASSERT_NE(home, nullptr);
  EXPECT_EQ(c->ssh.private_key, std::string(home) + "/.ssh/id_ed25519");
  EXPECT_EQ(c->locs.at("provider.head_ip").line, 4);
}

TEST(LauncherLoader, WorkerGroupResourcesBecomeRayOverrideResources) {
  Diagnostics diags;
  auto c = load(
      "cluster_name: c\n"
      "provider:\n"
      "  type: local\n"
      "  head_ip: 10.0.0.1\n"
      "  worker_ips: [10.0.0.2]\n"
      "  worker_groups:\n"
      "    gpu:\n"
      "      hosts: [10.0.0.2]\n"
      "      resources: {CPU: 8, GPU: 2}\n",
      diags);
  ASSERT_TRUE(c);
  EXPECT_EQ(diags.error_count(), 0u);
  ASSERT_EQ(c->nodes.size(), 2u);
  const auto& w = c->nodes[1];
  ASSERT_FALSE(w.start_ray_commands.empty());
  for (const auto& cmd : w.start_ray_commands) {
    EXPECT_NE(cmd.find("RAY_OVERRIDE_RESOURCES="), std::string::npos) << cmd;
    EXPECT_NE(cmd.find("\"GPU\":2"), std::string::npos) << cmd;
  }
  // The head gets no GPU override.
  for (const auto& cmd : c->nodes[0].start_ray_commands) EXPECT_EQ(cmd.find("\"GPU\""), std::string::npos) << cmd;
}

TEST(LauncherLoader, MissingHeadIpIsAnErrorAtTheProvider) {
  Diagnostics diags;
  auto c = load(
      "cluster_name: c\n"
      "provider:\n"
      "  type: local\n"
      "  worker_ips: [10.0.0.2]\n",
      diags);
  ASSERT_GE(diags.error_count(), 1u);
  const auto& d = diags.items().at(0);
  EXPECT_EQ(d.loc.file, "cluster.yaml");
  EXPECT_GE(d.loc.line, 2);
  EXPECT_NE(d.message.find("head_ip"), std::string::npos) << d.message;
}

namespace rayctl {
namespace {

// Ray 2.60's additions read clean: a node type's priority, auth.ssh_proxy_use_node_id.
TEST(LauncherConfig, Ray260NodeTypePriorityAndProxyUseNodeId) {
  Diagnostics diags;
  auto c = load(
      "cluster_name: c\n"
      "provider: {type: local, head_ip: 10.0.0.1, worker_ips: [10.0.0.2]}\n"
      "auth: {ssh_user: ops, ssh_proxy_command: 'nc %h %p', ssh_proxy_use_node_id: false}\n"
      "available_node_types:\n"
      "  head: {resources: {}, node_config: {}, priority: 2}\n"
      "head_node_type: head\n",
      diags);
  ASSERT_TRUE(c);
  for (const auto& d : diags.items())
    EXPECT_NE(d.severity, Severity::Error) << d.id << " " << d.message;
  EXPECT_EQ(c->ssh.proxy_command, "nc %h %p");
  EXPECT_TRUE(c->ssh.user_given);
  EXPECT_FALSE(c->ssh.port_given);
}

}  // namespace
}  // namespace rayctl
