// The `up` plan of a launcher file as a diff (see launcher_diff.h).
#include "inspect/diff/launcher_diff.h"

namespace rayctl {

namespace {

// The record's view of what runs: nodes `up` left up to date (the diff does not probe them).
ClusterObservation recorded_observation(const ClusterRecord* record) {
  ClusterObservation seen;
  if (!record) return seen;
  seen.probed = true;
  for (const auto& n : record->nodes)
    if (n.status == "up-to-date") seen.alive_hosts.insert(n.host);
  return seen;
}

const LauncherNode* find_node(const LauncherConfig& cfg, const std::string& name) {
  for (const auto& n : cfg.nodes)
    if (n.name == name) return &n;
  return nullptr;
}

std::vector<std::string> setup_commands(const LauncherNode& n) {
  std::vector<std::string> out = n.initialization_commands;
  out.insert(out.end(), n.setup_commands.begin(), n.setup_commands.end());
  return out;
}

// The previous file's commands for `node` when its plan reproduces the recorded hashes.
bool fill_previous(const LauncherDiffInput& in, const ClusterPlan& previous_plan, NodeDiff& d) {
  if (!in.previous || !in.record) return false;
  const NodeRecord* rec = in.record->find(d.node);
  const LauncherNode* old = find_node(*in.previous, d.node);
  if (!rec || !old || old->host != rec->host) return false;
  for (const auto& p : previous_plan.nodes) {
    if (p.node != d.node) continue;
    if (p.setup_hash != rec->setup_hash || p.start_hash != rec->start_hash) return false;
    d.before_setup = setup_commands(*old);
    d.before_start = old->start_ray_commands;
    return true;
  }
  return false;
}

}  // namespace

DiffReport diff_launcher(const LauncherDiffInput& in) {
  const LauncherConfig& cfg = *in.config;
  DiffReport r;
  r.kind = "launcher";
  r.target = "cluster " + cfg.cluster_name;
  r.file = cfg.file;
  r.exists = in.record != nullptr;
  ClusterObservation seen = recorded_observation(in.record);
  ClusterPlan plan = plan_up(cfg, in.record, seen, in.mounts, {});
  ClusterPlan previous_plan;
  if (in.previous) previous_plan = plan_up(*in.previous, in.record, seen, in.previous_mounts, {});
  for (const auto& p : plan.nodes) {
    NodeDiff d;
    d.node = p.node;
    d.host = p.host;
    d.role = p.is_head ? "head" : "worker";
    d.action = node_action_name(p.action);
    d.reason = p.reason;
    d.restarts_running = p.restarts_running;
    const LauncherNode* now = find_node(cfg, p.node);
    d.after_setup = setup_commands(*now);
    d.after_start = now->start_ray_commands;
    d.commands_known = fill_previous(in, previous_plan, d);
    if (!d.commands_known) d.before_setup.clear(), d.before_start.clear();
    r.nodes.push_back(std::move(d));
  }
  if (in.record) {
    for (const auto& n : in.record->nodes)
      if (!find_node(cfg, n.name))
        r.notes.push_back("node " + n.name + " (" + n.host + ") is in the record but not in the file");
    r.notes.push_back(
        "compared with the record of the last `up`; nodes it left up to date are taken as running "
        "(`rayctl status` checks)");
    bool any_unknown = false;
    for (const auto& d : r.nodes) any_unknown = any_unknown || (d.action != "verify" && !d.commands_known);
    if (any_unknown)
      r.notes.push_back("the old commands are not shown where the record's file (" + in.record->config_file +
                        ") no longer reproduces what was applied: the record keeps only hashes");
  }
  for (const auto& n : plan.notes) r.notes.push_back(n);
  return r;
}

}  // namespace rayctl
