// Kubernetes API failures → rayctl Errors and manifest diagnostics.
#include "cluster/kube/kube_api_error.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <regex>

namespace rayctl {

KubeStatus parse_kube_status(const HttpResponse& r) {
  KubeStatus s;
  s.code = r.status;
  nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.value("kind", "") == "Status") {
    s.is_status = true;
    s.reason = j.value("reason", "");
    s.message = j.value("message", "");
    if (j.contains("code") && j["code"].is_number()) s.code = j["code"].get<long>();
    if (auto d = j.find("details"); d != j.end() && d->is_object()) {
      s.kind = d->value("kind", "");
      s.name = d->value("name", "");
      s.group = d->value("group", "");
      if (auto c = d->find("causes"); c != d->end() && c->is_array())
        for (const auto& x : *c)
          s.causes.push_back({x.value("reason", ""), x.value("message", ""), x.value("field", "")});
    }
  } else {
    s.message = r.body.substr(0, 300);
    while (!s.message.empty() && (s.message.back() == '\n' || s.message.back() == ' ')) s.message.pop_back();
  }
  return s;
}

std::vector<std::string> kube_error_fields(const KubeStatus& s) {
  std::vector<std::string> out;
  auto add = [&](std::string f) {
    if (!f.empty() && f[0] == '.') f.erase(0, 1);
    if (f.empty()) return;
    for (const auto& o : out)
      if (o == f) return;
    out.push_back(f);
  };
  for (const auto& c : s.causes) add(c.field);
  if (out.empty()) {
    // Server-side apply and strict field validation put the path in the message:
    // "...: .spec.headGroupSpec.foo: field not declared in schema".
    static const std::regex re(R"((?:^|[\s,:(])\.?((?:spec|metadata|status)(?:\.[A-Za-z0-9_\-]+|\[[^\]]*\])*))");
    for (std::sregex_iterator it(s.message.begin(), s.message.end(), re), end; it != end; ++it) add((*it)[1]);
  }
  return out;
}

namespace {

// Splits "a.b[0].c[key]" into segments; an index segment is "[0]".
std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> segs;
  std::string cur;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '.') {
      if (!cur.empty()) segs.push_back(cur);
      cur.clear();
    } else if (c == '[') {
      if (!cur.empty()) segs.push_back(cur);
      cur.clear();
      auto close = path.find(']', i);
      if (close == std::string::npos) break;
      segs.push_back(path.substr(i, close - i + 1));
      i = close;
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) segs.push_back(cur);
  return segs;
}

}  // namespace

SourceLoc locate_field(const YamlDocument& doc, const std::string& path) {
  YAML::Node node = doc.root;
  SourceLoc best = doc.loc(doc.root);
  for (const auto& seg : split_path(path)) {
    YAML::Node next;
    if (seg.front() == '[') {
      auto inner = seg.substr(1, seg.size() - 2);
      bool numeric = !inner.empty() && inner.find_first_not_of("0123456789") == std::string::npos;
      if (numeric && node.IsSequence() && std::stoul(inner) < node.size())
        next = node[std::stoul(inner)];
      else if (!numeric && node.IsMap())
        next = node[inner];
    } else if (node.IsMap()) {
      // Point at the key itself (where a user looks), then descend into its value.
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == seg) {
          best = doc.loc(it->first);
          next = it->second;
          break;
        }
      }
      if (!next) return best;
      node.reset(next);
      continue;
    }
    if (!next || !next.IsDefined()) return best;
    node.reset(next);  // rebind: YAML::Node::operator= would write into the document
    best = doc.loc(node);
  }
  return best;
}

Diagnostics validation_diagnostics(const KubeStatus& s, const YamlDocument& doc) {
  Diagnostics d;
  if (!s.causes.empty()) {
    for (const auto& c : s.causes) {
      std::string field = c.field;
      if (!field.empty() && field[0] == '.') field.erase(0, 1);
      auto loc = field.empty() ? doc.start() : locate_field(doc, field);
      std::string msg = c.message;
      if (!field.empty() && msg.rfind(field, 0) != 0) msg = fmt::format("{}: {}", field, msg);
      d.error("RL300", loc, fmt::format("the API server rejected the manifest: {}", msg),
              "fix the field at this line (the API server's schema check, kubectl would report the same)");
    }
    return d;
  }
  auto fields = kube_error_fields(s);
  auto loc = fields.empty() ? doc.start() : locate_field(doc, fields.front());
  d.error("RL300", loc, fmt::format("the API server rejected the manifest: {}", s.message),
          "fix the field at this line (the API server's schema check)");
  return d;
}

Error kube_api_error(const HttpResponse& r, const KubeRequestInfo& info, const std::string& identity) {
  auto s = parse_kube_status(r);
  std::string what = info.object.empty() ? "" : " " + info.object;
  std::string server_says = s.message.empty() ? "" : ": " + s.message;
  // Server-side apply reports a value of the wrong type as a 500 "failed to create typed patch
  // object": it is the manifest's fault, so it is reported like a 422.
  long status = r.status;
  if (status == 500 && s.message.find("failed to create typed patch object") != std::string::npos) status = 422;
  switch (status) {
    case 401:
      return Error(ErrorKind::Auth,
                   fmt::format("the API server did not accept the credentials of {} (401 Unauthorized)", identity),
                   "the token or certificate is expired or wrong: refresh the kubeconfig (or the exec plugin's login)");
    case 403:
      return Error(ErrorKind::Auth,
                   fmt::format("{} may not {}{} (403 Forbidden){}", identity, info.verb, what, server_says),
                   "ask a cluster admin for RBAC on this resource, or use another --context");
    case 404:
      if (info.ray_io && !s.is_status)
        return Error(
            ErrorKind::NotFound,
            "KubeRay CRDs are not installed on this cluster (the API server does not know ray.io/v1)",
            "install the KubeRay operator: helm repo add kuberay https://ray-project.github.io/kuberay-helm/ && "
            "helm install kuberay-operator kuberay/kuberay-operator");
      if (s.kind == "namespaces")
        return Error(ErrorKind::NotFound, fmt::format("namespace \"{}\" does not exist", s.name),
                     "create it (kubectl create namespace " + s.name + ") or pick another with -n");
      return Error(ErrorKind::NotFound,
                   fmt::format("{}{} not found{}", info.verb.empty() ? "" : info.verb + ":", what, server_says));
    case 409:
      if (s.reason == "Conflict" && !s.causes.empty()) {
        std::string fields;
        for (const auto& c : s.causes) fields += fmt::format("\n  {}: {}", c.field, c.message);
        return Error(ErrorKind::Conflict,
                     fmt::format("{}{} conflicts with another field manager:{}", info.verb, what, fields),
                     "another tool owns these fields; re-run with --force-conflicts to take them over");
      }
      return Error(ErrorKind::Conflict,
                   fmt::format("{}{} conflicts with the live object (409){}", info.verb, what, server_says),
                   s.reason == "AlreadyExists" ? "the object already exists" : "re-read the object and try again");
    case 400:
    case 422: {
      auto fields = kube_error_fields(s);
      std::string list = fields.empty() ? "" : fmt::format(" (fields: {})", fmt::join(fields, ", "));
      return Error(ErrorKind::Invalid,
                   fmt::format("the API server rejected {}{}{}{}", info.verb, what, server_says, list),
                   "fix the manifest; rayctl validate FILE checks most of this before sending");
    }
    case 410:
      return Error(ErrorKind::Remote, fmt::format("{}{}: resource version too old (410 Gone)", info.verb, what));
    case 415:
      return Error(ErrorKind::Internal, fmt::format("{}{}: the API server does not accept this patch type (415){}",
                                                    info.verb, what, server_says));
    default: break;
  }
  if (r.status == 429 || r.status >= 500)
    return Error(ErrorKind::Remote,
                 fmt::format("the API server failed to {}{} ({}){}", info.verb, what, r.status, server_says),
                 "the API server is overloaded or unhealthy; try again");
  return Error(ErrorKind::Remote, fmt::format("{}{} failed with HTTP {}{}", info.verb, what, r.status, server_says));
}

}  // namespace rayctl
