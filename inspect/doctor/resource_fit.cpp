// The resources layer's check (see resource_fit.h).
#include "inspect/doctor/resource_fit.h"

#include "inspect/doctor/serve_checks.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <optional>
#include <sstream>

namespace rayctl {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// " 1.0/3.0 CPU" → CPU {1, 3}; sizes with units ("0B/2.79GiB memory") are kept as lines only.
void add_usage(const std::string& line, ClusterUsage& u) {
  std::istringstream in(trim(line));
  std::string amounts, name;
  if (!(in >> amounts >> name)) return;
  size_t slash = amounts.find('/');
  if (slash == std::string::npos) return;
  try {
    size_t used_end = 0, total_end = 0;
    double used = std::stod(amounts.substr(0, slash), &used_end);
    double total = std::stod(amounts.substr(slash + 1), &total_end);
    if (used_end == slash && total_end == amounts.size() - slash - 1) u.used_total[name] = {used, total};
  } catch (const std::exception&) {
  }
}

std::map<std::string, double> asks_of(const ServeDeploymentStatus& d) {
  std::map<std::string, double> asks;
  if (!d.required_resources.is_object()) return asks;
  for (const auto& [k, v] : d.required_resources.items())
    if (v.is_number() && v.get<double>() > 0) asks[k] = v.get<double>();
  return asks;
}

std::string amounts(const std::map<std::string, double>& m) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : m) parts.push_back(fmt::format("{}: {:g}", k, v));
  return "{" + fmt::format("{}", fmt::join(parts, ", ")) + "}";
}

std::vector<std::string> node_lines(const std::vector<NodeResources>& nodes,
                                    const std::map<std::string, double>& asks) {
  std::vector<std::string> out;
  for (const auto& n : nodes) {
    if (!n.alive) continue;
    std::vector<std::string> parts;
    for (const auto& [k, ask] : asks) {
      auto it = n.total.find(k);
      parts.push_back(fmt::format("{} {:g}", k, it == n.total.end() ? 0.0 : it->second));
    }
    out.push_back(fmt::format("node {} has {}", n.ip, fmt::join(parts, ", ")));
  }
  return out;
}

bool fits(const NodeResources& n, const std::map<std::string, double>& asks) {
  for (const auto& [k, ask] : asks) {
    auto it = n.total.find(k);
    if (it == n.total.end() || it->second + 1e-9 < ask) return false;
  }
  return true;
}

// The resources no ALIVE node has enough of for one replica: "GPU (asks 1, no node has any)".
std::vector<std::string> lacking(const std::vector<NodeResources>& nodes, const std::map<std::string, double>& asks) {
  std::vector<std::string> out;
  for (const auto& [k, ask] : asks) {
    double best = 0;
    for (const auto& n : nodes)
      if (n.alive && n.total.count(k)) best = std::max(best, n.total.at(k));
    if (best + 1e-9 < ask)
      out.push_back(best == 0 ? fmt::format("{} {:g} (no node has {})", k, ask, k)
                              : fmt::format("{} {:g} (the most one node has is {:g})", k, ask, best));
  }
  return out;
}

void append(std::vector<std::string>& to, const std::vector<std::string>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

std::optional<DoctorFinding> deployment_fit(const std::string& app, const ServeDeploymentStatus& d,
                                            const std::vector<NodeResources>& nodes, const ClusterUsage& usage) {
  const int pending = d.target_replicas - d.running();
  if (d.status == "UNHEALTHY" || d.status == "DEPLOY_FAILED" || d.target_replicas < 0 || pending <= 0)
    return std::nullopt;
  const auto asks = asks_of(d);
  const std::string subject = deployment_subject(app, d.name);
  const bool some_node_fits =
      std::any_of(nodes.begin(), nodes.end(), [&](const auto& n) { return n.alive && fits(n, asks); });
  std::vector<std::string> ev = node_lines(nodes, asks);
  if (!some_node_fits && !nodes.empty()) {
    append(ev, usage.demand_lines);
    return finding("DR501", CheckState::Fail, subject,
                   fmt::format("deployment {} asks {} per replica and no node can hold one: {}", d.name, amounts(asks),
                               fmt::join(lacking(nodes, asks), ", ")),
                   ev);
  }
  std::vector<std::string> short_of;
  for (const auto& [k, ask] : asks)
    if (auto it = usage.used_total.find(k);
        it != usage.used_total.end() && it->second.second - it->second.first + 1e-9 < ask)
      short_of.push_back(fmt::format("{} {:g} asked, {:g} of {:g} free", k, ask, it->second.second - it->second.first,
                                     it->second.second));
  const bool unscheduled = d.message.find("to be scheduled") != std::string::npos;
  append(ev, usage.usage_lines);
  append(ev, usage.demand_lines);
  append(ev, message_lines(d.message, 4));
  if (!short_of.empty() || unscheduled)
    return finding(
        "DR501", CheckState::Fail, subject,
        fmt::format("{} of {} replica(s) of {} pending: the cluster has {} but not free{}", pending, d.target_replicas,
                    d.name, amounts(asks), short_of.empty() ? "" : fmt::format(" ({})", fmt::join(short_of, "; "))),
        ev);
  return finding("DR501", CheckState::Warn, subject,
                 fmt::format("{} of {} replica(s) of {} still starting; {} per replica fits a node", pending,
                             d.target_replicas, d.name, amounts(asks)),
                 ev);
}

}  // namespace

std::vector<NodeResources> parse_node_resources(const std::vector<nlohmann::json>& rows) {
  std::vector<NodeResources> out;
  for (const auto& r : rows) {
    if (!r.is_object()) continue;
    NodeResources n;
    n.node_id = r.value("node_id", "");
    n.ip = r.value("node_ip", "");
    n.alive = r.value("state", "") == "ALIVE";
    if (r.contains("resources_total") && r["resources_total"].is_object())
      for (const auto& [k, v] : r["resources_total"].items())
        if (v.is_number()) n.total[k] = v.get<double>();
    out.push_back(std::move(n));
  }
  return out;
}

ClusterUsage parse_cluster_status_text(const std::string& text) {
  ClusterUsage u;
  enum { None, Usage, Demands } section = None;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::string t = trim(line);
    if (t == "Total Usage:")
      section = Usage;
    else if (t == "Pending Demands:")
      section = Demands;
    else if (t.empty() || (!line.empty() && line[0] != ' '))
      section = None;  // a heading ends a section
    else if (section == Usage)
      add_usage(line, u), u.usage_lines.push_back("ray status usage: " + t);
    else if (section == Demands && t != "(no resource demands)")
      u.demand_lines.push_back("ray status pending: " + t);
  }
  return u;
}

bool replicas_pending(const ServeStatus& s, const std::string& app) {
  for (const auto* a : selected_apps(s, app))
    for (const auto& d : a->deployments)
      if (d.target_replicas >= 0 && d.running() < d.target_replicas) return true;
  return false;
}

std::vector<DoctorFinding> resource_findings(const ServeStatus& s, const std::vector<NodeResources>& nodes,
                                             const ClusterUsage& usage, const std::string& app) {
  std::vector<DoctorFinding> out;
  int placed = 0;
  for (const auto* a : selected_apps(s, app))
    for (const auto& d : a->deployments) {
      if (auto f = deployment_fit(a->name, d, nodes, usage))
        out.push_back(std::move(*f));
      else
        placed += std::max(0, d.running());
    }
  if (out.empty())
    out.push_back(finding("DR501", CheckState::Ok, "",
                          placed == 0 ? "no Serve replica asks for resources"
                                      : fmt::format("all {} replica(s) placed: nothing waits for resources", placed)));
  return out;
}

}  // namespace rayctl
