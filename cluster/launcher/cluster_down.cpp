// `rayctl down` (see cluster_down.h).
#include "cluster/launcher/cluster_down.h"

#include "cluster/plan/node_plan.h"
#include "cluster/ssh/ssh_auth.h"

#include <cstdio>

namespace rayctl {

bool parse_stop_report(const std::string& line, int& stopped, int& left, int& other) {
  return std::sscanf(line.c_str(), "rayctl-stop: stopped=%d left=%d other_ray=%d", &stopped, &left, &other) == 3;
}

namespace {

// A cluster stopped everywhere loses its record; otherwise each node's outcome is recorded.
void record_down(const ClusterStateStore& store, const std::string& cluster, bool all_stopped, DownResult& result) {
  auto rec = store.load(cluster);
  if (!rec) return;
  if (all_stopped) {
    store.remove(cluster);
    result.state_removed = true;
    return;
  }
  for (const auto& r : result.nodes)
    if (NodeRecord* nr = rec->find(r.node)) {
      nr->status = r.ok ? "stopped" : "failed";
      nr->last_error = r.error;
      if (r.ok) nr->start_hash.clear();
    }
  store.save(*rec);
}

}  // namespace

DownResult cluster_down(const ClusterTarget& target, const DownOptions& opt, IOStreams& io, CancelFlag& cancel,
                        const ClusterStateStore& store) {
  auto lock = store.lock(target.name);
  DownResult result;
  result.cluster = target.name;
  NodeRunnerFactory factory(target.ssh, opt.connect);
  FanoutExecutor fanout(io, {opt.concurrency, true, 20});
  const std::string script = scoped_stop_script(target.name);
  if (provider_kind(target.nodes) == "ssh") unlock_private_key(target.ssh.private_key);

  auto stop_nodes = [&](const std::vector<const LauncherNode*>& nodes) {
    std::vector<std::string> names;
    for (auto* n : nodes) names.push_back(n->name);
    std::vector<DownNodeResult> res(nodes.size());
    auto outcomes = fanout.run(
        names,
        [&](size_t i, NodeReporter& rep) {
          const LauncherNode& n = *nodes[i];
          auto runner = factory.make(n);
          rep.status("connecting to " + runner->address());
          runner->connect(cancel);
          rep.status("stopping this cluster's Ray processes");
          bool reported = false;
          int rc = runner->run(
              {script, {}},
              [&](int, const std::string& line) {
                if (parse_stop_report(line, res[i].stopped, res[i].left, res[i].other_ray))
                  reported = true;
                else
                  rep.line(1, line);
              },
              cancel);
          if (cancel.cancelled()) throw Error(ErrorKind::Cancelled, "node " + n.name + ": stop cancelled");
          if (!reported || rc != 0)
            throw Error(ErrorKind::Remote,
                        "node " + n.name + ": " + std::to_string(res[i].left) + " Ray process(es) of cluster " +
                            target.name + " still running after SIGKILL (exit " + std::to_string(rc) + ")",
                        "look at them with `rayctl exec " + target.name + " --node " + n.name + " -- ps -ef`", {},
                        std::string());
          rep.outcome().detail = "stopped " + std::to_string(res[i].stopped) + " process(es)";
        },
        cancel);
    for (size_t i = 0; i < outcomes.size(); ++i) {
      res[i].node = nodes[i]->name;
      res[i].host = nodes[i]->host;
      res[i].role = nodes[i]->is_head ? "head" : "worker";
      res[i].ok = outcomes[i].ok;
      res[i].error = outcomes[i].error;
      if (res[i].other_ray > 0)
        say_info(io, "node " + res[i].node + ": " + std::to_string(res[i].other_ray) +
                         " Ray process(es) of another cluster on this host were left running");
      result.nodes.push_back(res[i]);
    }
    factory.pool().close_all();
    return outcomes;
  };

  std::vector<const LauncherNode*> workers;
  for (const auto& n : target.nodes)
    if (!n.is_head) workers.push_back(&n);
  auto outcomes = stop_nodes(workers);
  if (!opt.workers_only && !cancel.cancelled()) {
    auto head = stop_nodes({&target.head()});
    outcomes.insert(outcomes.end(), head.begin(), head.end());
  }
  bool all_ok = true;
  for (const auto& o : outcomes) all_ok = all_ok && o.ok;
  record_down(store, target.name, all_ok && !opt.workers_only, result);
  throw_first_failure(outcomes, "down");
  return result;
}

nlohmann::json to_json(const DownResult& r) {
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : r.nodes)
    nodes.push_back({{"node", n.node},
                     {"host", n.host},
                     {"role", n.role},
                     {"ok", n.ok},
                     {"stopped", n.stopped},
                     {"left", n.left},
                     {"other_ray", n.other_ray},
                     {"error", n.error}});
  return {{"cluster", r.cluster}, {"state_removed", r.state_removed}, {"nodes", nodes}};
}

}  // namespace rayctl
