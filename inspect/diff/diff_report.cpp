// The diff report's JSON form and its human rendering (see diff_report.h).
#include "inspect/diff/diff_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <sstream>

namespace rayctl {

const char* effect_name(Effect e) {
  switch (e) {
    case Effect::InPlace: return "in-place";
    case Effect::NewCluster: return "new-cluster";
    case Effect::Ignored: return "ignored";
    case Effect::Scale: return "scale";
    case Effect::NewPodsOnly: return "new-pods-only";
    case Effect::RecreatesPods: return "recreates-pods";
    case Effect::DeletesPods: return "deletes-pods";
  }
  return "?";
}

bool DiffReport::has_changes() const {
  if (!exists || !changes.empty() || (serve && serve->has_changes())) return true;
  for (const auto& n : nodes)
    if (n.action != "verify") return true;
  return false;
}

bool DiffReport::has(Effect e) const {
  for (const auto& c : changes)
    if (c.effect == e) return true;
  return serve && serve->has_changes() && serve_effect == e;
}

namespace {

nlohmann::json capacity_json(const CapacityCheck& c) {
  nlohmann::json j{{"pods", c.needed.pods},
                   {"needed", totals_json(c.needed.total)},
                   {"largest_pod", totals_json(c.needed.largest_pod)},
                   {"checked", c.checked},
                   {"free", c.checked ? totals_json(c.free) : nlohmann::json()},
                   {"fits", c.checked ? nlohmann::json(c.fits()) : nlohmann::json()},
                   {"short_of", c.short_of},
                   {"note", c.note}};
  return j;
}

nlohmann::json node_json(const NodeDiff& n) {
  nlohmann::json j{{"node", n.node},     {"host", n.host},     {"role", n.role},
                   {"action", n.action}, {"reason", n.reason}, {"restarts_running", n.restarts_running}};
  j["commands"] = n.commands_known ? nlohmann::json{{"setup", {{"before", n.before_setup}, {"after", n.after_setup}}},
                                                    {"start", {{"before", n.before_start}, {"after", n.after_start}}}}
                                   : nlohmann::json();
  return j;
}

}  // namespace

nlohmann::json DiffReport::to_json() const {
  nlohmann::json j{{"kind", kind}, {"target", target}, {"file", file}, {"exists", exists}, {"changed", has_changes()}};
  if (kind == "RayService" || kind == "RayCluster") j["kuberay_rules"] = kKubeRayRulesVersion;
  std::map<std::string, int> summary;
  nlohmann::json cj = nlohmann::json::array();
  for (const auto& c : changes) {
    ++summary[effect_name(c.effect)];
    cj.push_back({{"path", c.path},
                  {"effect", effect_name(c.effect)},
                  {"before", c.before},
                  {"after", c.after},
                  {"reason", c.reason},
                  {"rule", c.rule}});
  }
  if (serve && serve->has_changes()) ++summary[effect_name(serve_effect)];
  j["summary"] = summary.empty() ? nlohmann::json::object() : nlohmann::json(summary);
  j["changes"] = cj;
  if (serve) {
    j["serve"] = rayctl::to_json(*serve);
    j["serve"]["effect"] = effect_name(serve_effect);
  } else {
    j["serve"] = nullptr;
  }
  j["capacity"] = capacity ? capacity_json(*capacity) : nlohmann::json();
  j["nodes"] = nlohmann::json::array();
  for (const auto& n : nodes) j["nodes"].push_back(node_json(n));
  j["notes"] = notes;
  return j;
}

std::string show_value(const nlohmann::json& v) {
  if (v.is_null()) return "(unset)";
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  for (auto& c : s)
    if (c == '\n') c = ' ';
  return s.size() > 70 ? s.substr(0, 67) + "..." : s;
}

namespace {

std::string effect_word(const Style& st, Effect e) {
  std::string w = effect_name(e);
  switch (e) {
    case Effect::NewCluster:
    case Effect::RecreatesPods:
    case Effect::DeletesPods: return st.red(w);
    case Effect::Ignored:
    case Effect::NewPodsOnly: return st.yellow(w);
    default: return st.green(w);
  }
}

void print_changes(std::ostream& os, const DiffReport& r, const Style& st) {
  for (const auto& c : r.changes) {
    os << "  " << effect_word(st, c.effect) << "  " << st.bold(c.path) << "\n";
    os << "      " << show_value(c.before) << " → " << show_value(c.after) << "\n";
    if (!c.reason.empty()) os << "      " << st.dim(c.reason) << "\n";
  }
}

void print_capacity(std::ostream& os, const CapacityCheck& c, const Style& st) {
  os << fmt::format("Capacity: the new RayCluster asks for {} ({} pods) while the old one still runs\n",
                    format_totals(c.needed.total), c.needed.pods);
  if (!c.checked) {
    os << "  not checked against the nodes: " << c.note << "\n";
    return;
  }
  os << "  free on the nodes: " << format_totals(c.free) << " — "
     << (c.fits() ? st.green("fits") : st.red("does not fit")) << "\n";
  for (const auto& s : c.short_of) os << "  short: " << s << "\n";
}

void print_commands(std::ostream& os, const std::string& what, const std::vector<std::string>& before,
                    const std::vector<std::string>& after, const Style& st) {
  if (before == after) return;
  os << "      " << what << " commands:\n";
  for (const auto& c : before)
    if (std::find(after.begin(), after.end(), c) == after.end()) os << "        " << st.red("- " + c) << "\n";
  for (const auto& c : after)
    if (std::find(before.begin(), before.end(), c) == before.end()) os << "        " << st.green("+ " + c) << "\n";
}

void print_nodes(std::ostream& os, const DiffReport& r, const Style& st) {
  for (const auto& n : r.nodes) {
    std::string action = n.action == "verify" ? st.green(n.action) : st.yellow(n.action);
    os << fmt::format("  {} ({}, {}): ", n.node, n.host, n.role) << action << " — " << n.reason
       << (n.restarts_running ? st.red(" (restarts the running Ray)") : "") << "\n";
    if (n.action == "verify") continue;
    if (!n.commands_known) continue;
    print_commands(os, "setup", n.before_setup, n.after_setup, st);
    print_commands(os, "start", n.before_start, n.after_start, st);
  }
}

}  // namespace

void print_diff_report(std::ostream& os, const DiffReport& r, const Style& st) {
  os << r.kind << " " << r.target << (r.file.empty() ? "" : " vs " + r.file) << ": ";
  if (!r.exists)
    os << "does not exist yet; applying the file creates it\n";
  else if (!r.has_changes())
    os << "no changes\n";
  else
    os << "changes\n";
  print_changes(os, r, st);
  if (r.serve && (r.serve->has_changes() || !r.serve->warnings.empty())) {
    os << "  " << effect_word(st, r.serve_effect) << "  "
       << st.bold(r.kind == "serve" ? "Serve config" : "serveConfigV2") << "\n";
    std::ostringstream inner;
    print_serve_diff(inner, *r.serve, st);
    std::istringstream lines(inner.str());
    for (std::string line; std::getline(lines, line);) os << "      " << line << "\n";
  }
  print_nodes(os, r, st);
  if (r.capacity) print_capacity(os, *r.capacity, st);
  for (const auto& n : r.notes) os << "note: " << n << "\n";
}

}  // namespace rayctl
