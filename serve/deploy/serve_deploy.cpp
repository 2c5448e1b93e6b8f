// ServeDeploy: pre-flight, diff, confirmation, upload, PUT and the wait loop.
#include "serve/deploy/serve_deploy.h"

#include "serve/config/placement_checks.h"
#include "serve/deploy/package_upload.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

namespace rayctl {

using Clock = std::chrono::steady_clock;

nlohmann::json to_json(const ServeDeployResult& r) {
  return {{"outcome", r.outcome},
          {"diff", to_json(r.diff)},
          {"packages", r.uploaded},
          {"report", r.report},
          {"status", r.status},
          {"seconds", r.seconds},
          {"timings", {{"prepare_s", r.prepare_s}, {"put_s", r.put_s}, {"wait_s", r.wait_s}, {"polls", r.polls}}}};
}

ClusterResources live_cluster_resources(const std::vector<nlohmann::json>& nodes) {
  ClusterResources c;
  c.source = "live cluster";
  for (const auto& n : nodes) {
    if (n.value("state", "") != "ALIVE") continue;
    NodeShape s;
    s.name = n.value("node_ip", n.value("node_id", "node"));
    s.is_head = n.value("is_head_node", false);
    s.min_count = s.max_count = 1;
    s.cpus = 0.0;
    s.gpus = 0.0;
    const auto& res = n.value("resources_total", nlohmann::json::object());
    for (const auto& [k, v] : res.items()) {
      if (!v.is_number()) continue;
      double x = v.get<double>();
      if (k == "CPU")
        s.cpus = x;
      else if (k == "GPU")
        s.gpus = x;
      else if (k == "memory")
        s.memory_bytes = x;
      else if (k == "object_store_memory" || k.rfind("node:", 0) == 0)
        continue;
      else
        s.custom[k] = x;
    }
    c.shapes.push_back(std::move(s));
  }
  return c;
}

nlohmann::json merge_with_live(const nlohmann::json& body, const nlohmann::json& live) {
  nlohmann::json out = body;
  std::set<std::string> names;
  for (const auto& a : out["applications"]) names.insert(a.value("name", "default"));
  if (!live.contains("applications") || !live["applications"].is_object()) return out;
  for (const auto& [name, la] : live["applications"].items()) {
    if (names.count(name) || la.value("source", "") == "imperative") continue;
    const auto& cfg = la.value("deployed_app_config", nlohmann::json());
    if (cfg.is_object()) out["applications"].push_back(cfg);
  }
  return out;
}

AppProgress app_progress(const ServeAppStatus* live, const nlohmann::json& sent, double prior) {
  if (!live) return AppProgress::Waiting;
  // Until the controller has taken the new config, the status still describes the old one.
  bool applied = live->last_deployed_time_s != prior || live->deployed_app_config == sent;
  if (!applied) return AppProgress::Waiting;
  ServeHealth h = app_health(*live);
  if (h == ServeHealth::Failed) return AppProgress::Failed;
  return h == ServeHealth::Running ? AppProgress::Running : AppProgress::Waiting;
}

std::vector<std::string> pending_report(const ServeAppStatus& app) {
  std::vector<std::string> out;
  if (app.deployments.empty())
    out.push_back(app.name + ": " + app.status + (app.message.empty() ? "" : " — " + app.message));
  for (const auto& d : app.deployments) {
    bool done = d.status == "HEALTHY" && (d.target_replicas < 0 || d.running() >= d.target_replicas);
    if (done) continue;
    std::string line = app.name + "/" + d.name + ": " + replica_summary(d) + ", " + d.status;
    if (!d.required_resources.empty()) line += ", each replica needs " + d.required_resources.dump();
    if (!d.message.empty()) line += " — " + d.message;
    out.push_back(line);
  }
  return out;
}

ServeDeploy::ServeDeploy(DashboardClient& client, IOStreams& io, ServeDeployOptions opt)
    : client_(client), io_(io), opt_(opt) {}

void ServeDeploy::preflight(const ServeConfig& cfg) {
  ClusterResources live = live_cluster_resources(client_.nodes());
  Diagnostics diags = check_serve_placement(cfg, live);
  if (diags.empty()) return;
  SourceCache sources;  // the config's lines are read from disk
  print_diagnostics(io_, diags, sources);
  if (!diags.has_errors()) return;
  std::string first;
  for (const auto& d : diags.items())
    if (d.severity == Severity::Error) {
      first = d.message;
      break;
    }
  if (opt_.force) {
    say_warning(io_, "deploying anyway (--force): some replicas can never be scheduled on the live cluster");
    return;
  }
  throw Error(ErrorKind::Invalid, "pre-flight: the live cluster can never schedule this config: " + first,
              "nothing was deployed; add nodes with the missing resources, lower the request, or pass --force "
              "to deploy anyway");
}

bool ServeDeploy::confirm_removal(const std::vector<std::string>& apps) {
  std::string list;
  for (const auto& a : apps) list += (list.empty() ? "" : ", ") + a;
  if (opt_.yes) return true;
  if (!opt_.confirm)
    throw Error(ErrorKind::Usage, "this deploy deletes live application(s) not in the file: " + list,
                "pass -y to delete them, or --merge to keep them");
  return opt_.confirm("Delete live application(s) " + list + "?");
}

ServeDeployResult ServeDeploy::run(const ServeConfig& cfg, const std::string& config_path) {
  ServeDeployResult r;
  auto t0 = Clock::now();
  client_.version();
  nlohmann::json body = cfg.body;
  PackageOptions popt;
  const char* ig = std::getenv("RAY_RUNTIME_ENV_IGNORE_GITIGNORE");
  popt.include_gitignore = !(ig && std::string(ig) == "1");
  std::string base = std::filesystem::absolute(config_path).parent_path().string();
  std::vector<LocalPackage> packages = localize_runtime_envs(body, base, popt);

  preflight(cfg);
  nlohmann::json live = client_.serve_details();
  r.diff = diff_serve_config(live, body, opt_.merge);
  if (!r.diff.removed_apps().empty() && !confirm_removal(r.diff.removed_apps()))
    throw Error(ErrorKind::Cancelled, "deploy cancelled; nothing was changed");
  if (opt_.merge) body = merge_with_live(body, live);

  upload_packages(client_, packages, [&](const std::string& line) {
    r.uploaded.push_back(line);
    say_info(io_, line);
  });
  std::map<std::string, double> prior;
  for (const auto& a : parse_serve_status(live).apps) prior[a.name] = a.last_deployed_time_s;
  auto since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  r.prepare_s = since(t0);
  auto t_put = Clock::now();
  client_.put_serve_config(body);
  r.put_s = since(t_put);
  if (!opt_.wait) {
    r.outcome = "accepted";
    r.seconds = since(t0);
    return r;
  }
  auto t_wait = Clock::now();
  wait(body, prior, r);
  r.wait_s = since(t_wait);
  r.seconds = since(t0);
  return r;
}

void ServeDeploy::wait(const nlohmann::json& body, const std::map<std::string, double>& prior, ServeDeployResult& r) {
  std::vector<std::pair<std::string, nlohmann::json>> apps;  // the apps this deploy must bring up
  for (const auto& a : body["applications"]) apps.emplace_back(a.value("name", "default"), a);
  ProgressBoard board(io_);
  auto deadline = Clock::now() + opt_.timeout;
  ServeStatus st;
  while (true) {
    st = parse_serve_status(client_.serve_details());
    ++r.polls;
    bool all_running = true;
    std::vector<const ServeAppStatus*> failed;
    for (const auto& [name, sent] : apps) {
      const ServeAppStatus* a = st.app(name);
      auto it = prior.find(name);
      AppProgress p = app_progress(a, sent, it == prior.end() ? 0.0 : it->second);
      if (p == AppProgress::Failed) failed.push_back(a);
      if (p != AppProgress::Running) all_running = false;
      if (!a) {
        board.set(name, "waiting for the controller");
        continue;
      }
      board.set(name, p == AppProgress::Waiting && a->status == "RUNNING" ? "applying" : a->status);
      for (const auto& d : a->deployments) board.set(name + "/" + d.name, replica_summary(d) + "  " + d.status);
    }
    std::vector<std::string> names;
    for (const auto& [n, s] : apps) names.push_back(n);
    if (!failed.empty()) {
      board.finish();
      for (const auto* a : failed) {
        auto lines = failure_report(*a);
        r.report.insert(r.report.end(), lines.begin(), lines.end());
      }
      r.outcome = "failed";
      r.exit_code = ExitCode::Unhealthy;
      r.status = serve_status_json(st, {});
      return;
    }
    if (all_running) {
      board.finish();
      r.outcome = "running";
      r.exit_code = ExitCode::Ok;
      r.status = serve_status_json(st, names);
      return;
    }
    if (Clock::now() >= deadline) {
      board.finish();
      double secs = std::chrono::duration<double>(opt_.timeout).count();
      std::ostringstream head;
      head << "--timeout " << secs << "s expired before every application was RUNNING; still pending:";
      r.report.push_back(head.str());
      for (const auto& [name, sent] : apps)
        if (const ServeAppStatus* a = st.app(name))
          for (const auto& line : pending_report(*a)) r.report.push_back("  " + line);
      r.outcome = "timeout";
      r.exit_code = ExitCode::Timeout;
      r.status = serve_status_json(st, {});
      return;
    }
    std::this_thread::sleep_for(opt_.poll_interval);
  }
}

std::vector<std::string> ServeDeploy::failure_report(const ServeAppStatus& app) {
  std::vector<std::string> out;
  out.push_back("application " + app.name + ": " + app.status);
  if (!app.message.empty()) out.push_back(app.message);
  for (const auto& d : app.deployments) {
    if (d.status == "HEALTHY") continue;
    out.push_back("deployment " + app.name + "/" + d.name + ": " + d.status + " (" + replica_summary(d) + ")" +
                  (d.message.empty() ? "" : ": " + d.message));
    if (d.status == "UNHEALTHY" || d.status == "DEPLOY_FAILED") {
      std::string tail = replica_log_tail(app, d, "");
      if (!tail.empty()) out.push_back(tail);
    }
  }
  return out;
}

std::string ServeDeploy::replica_log_tail(const ServeAppStatus& app, const ServeDeploymentStatus& d,
                                          const std::string&) {
  try {
    LogQuery q;
    q.lines = 40;
    for (const auto& rep : d.replicas) {
      if (rep.node_id.empty() || rep.log_file_path.empty()) continue;
      q.node_id = rep.node_id;
      q.filename = rep.log_file_path[0] == '/' ? rep.log_file_path.substr(1) : rep.log_file_path;
      return "last lines of replica " + rep.replica_id + "'s log (" + q.filename + "):\n" + client_.log_tail(q);
    }
    // The failed replicas are gone: their logs stay on the controller's node (serve/replica_<app>_<dep>_*).
    ServeStatus st = parse_serve_status(client_.serve_details());
    if (st.controller_node_id.empty()) return {};
    nlohmann::json index = client_.log_index(st.controller_node_id, "serve/replica_" + app.name + "_" + d.name + "_*");
    std::string newest;
    for (const auto& [cat, files] : index.items())
      for (const auto& f : files)
        if (f.is_string()) newest = f.get<std::string>();
    if (newest.empty()) return {};
    q.node_id = st.controller_node_id;
    q.filename = newest;
    return "last lines of " + newest + ":\n" + client_.log_tail(q);
  } catch (const Error& e) {
    return "(could not read the replica's log: " + e.message() + ")";
  }
}

}  // namespace rayctl

namespace rayctl {

std::vector<std::string> delete_serve_apps(DashboardClient& client, const std::vector<std::string>& apps, bool wait,
                                           std::chrono::milliseconds timeout, std::chrono::milliseconds poll) {
  client.version();
  nlohmann::json live = client.serve_details();
  ServeStatus st = parse_serve_status(live);
  std::vector<std::string> targets;
  if (apps.empty()) {
    for (const auto& a : st.apps) targets.push_back(a.name);
    client.delete_serve();
  } else {
    nlohmann::json apps_left = nlohmann::json::array();
    for (const auto& name : apps) {
      if (st.require_app(name).source == "imperative")
        throw Error(ErrorKind::Invalid, "application '" + name + "' was deployed with serve.run, not from a config",
                    "delete it from the Python driver (serve.delete) or shut Serve down with `rayctl serve delete`");
      targets.push_back(name);
    }
    for (const auto& a : st.apps)
      if (std::find(apps.begin(), apps.end(), a.name) == apps.end() && a.source != "imperative" &&
          a.deployed_app_config.is_object())
        apps_left.push_back(a.deployed_app_config);
    if (apps_left.empty()) {
      client.delete_serve();
    } else {
      nlohmann::json body = {{"applications", apps_left}};
      for (const char* k : {"http_options", "grpc_options", "proxy_location"})
        if (live.contains(k) && !live[k].is_null()) body[k] = live[k];
      client.put_serve_config(body);
    }
  }
  if (!wait) return targets;
  auto deadline = Clock::now() + timeout;
  while (true) {
    ServeStatus now = parse_serve_status(client.serve_details());
    std::vector<std::string> left;
    for (const auto& n : targets)
      if (now.app(n)) left.push_back(n + " (" + now.app(n)->status + ")");
    if (left.empty()) return targets;
    if (Clock::now() >= deadline) {
      std::string l;
      for (const auto& x : left) l += (l.empty() ? "" : ", ") + x;
      throw Error(ErrorKind::Timeout, "--timeout expired while deleting; still present: " + l,
                  "`rayctl serve status` shows what they are waiting for");
    }
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace rayctl
