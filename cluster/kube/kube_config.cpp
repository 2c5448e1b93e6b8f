// kubeconfig loading and merging (kubectl's rules: first file to set a key wins; relative
// paths are relative to the file that holds them) and resolution of one context.
#include "cluster/kube/kube_config.h"

#include "core/content_digest.h"
#include "core/error.h"
#include "core/state_store.h"
#include "core/suggest.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

namespace rayctl {

namespace fs = std::filesystem;

std::string KubeTarget::identity() const {
  std::string method = "anonymous";
  if (user.exec)
    method = fmt::format("exec plugin {}", user.exec->command);
  else if (!user.token.empty())
    method = "bearer token";
  else if (!user.token_file.empty())
    method = fmt::format("token file {}", user.token_file);
  else if (!user.client_cert_pem.empty() || !user.client_cert_file.empty())
    method = "client certificate";
  else if (!user.username.empty())
    method = fmt::format("basic auth as {}", user.username);
  if (in_cluster) return fmt::format("in-cluster service account ({})", method);
  return fmt::format("user \"{}\" ({}) in context \"{}\"", user_name, method, context);
}

namespace {

std::string str_of(const YAML::Node& n, const char* key) {
  auto v = n[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

bool bool_of(const YAML::Node& n, const char* key) {
  auto v = n[key];
  if (!v || !v.IsScalar()) return false;
  auto s = v.as<std::string>();
  return s == "true" || s == "True" || s == "yes";
}

std::string abs_path(const std::string& p, const std::string& dir) {
  if (p.empty() || fs::path(p).is_absolute() || dir.empty()) return p;
  return (fs::path(dir) / p).lexically_normal().string();
}

void bad(const std::string& label, const YAML::Node& n, const std::string& what) {
  auto m = n.Mark();
  throw Error(ErrorKind::Invalid, fmt::format("{}:{}:{}: {}", label, m.line + 1, m.column + 1, what),
              "fix the kubeconfig, or pick another file with --kubeconfig");
}

// Iterates a named list (`clusters`, `users`, `contexts`): calls fn(name, body) per entry.
template <class Fn>
void each_named(const std::string& label, const YAML::Node& root, const char* list, const char* body_key, Fn fn) {
  auto l = root[list];
  if (!l || l.IsNull()) return;
  if (!l.IsSequence()) bad(label, l, fmt::format("'{}' must be a list", list));
  for (const auto& item : l) {
    auto name = str_of(item, "name");
    if (name.empty()) bad(label, item, fmt::format("an entry of '{}' has no name", list));
    auto body = item[body_key];
    fn(name, body ? body : YAML::Node(YAML::NodeType::Map));
  }
}

// A *-data field's bytes (base64, whitespace allowed).
std::string decode_data(const std::string& data, const std::string& label, const char* key) {
  std::string out;
  if (!base64_decode(data, out)) throw Error(ErrorKind::Invalid, fmt::format("{}: {} is not valid base64", label, key));
  return out;
}

KubeClusterEntry read_cluster(const YAML::Node& c, const std::string& label, const std::string& dir) {
  KubeClusterEntry e;
  e.server = str_of(c, "server");
  while (!e.server.empty() && e.server.back() == '/') e.server.pop_back();
  e.ca_file = abs_path(str_of(c, "certificate-authority"), dir);
  auto data = str_of(c, "certificate-authority-data");
  if (!data.empty()) e.ca_pem = decode_data(data, label, "certificate-authority-data");
  e.insecure_skip_tls_verify = bool_of(c, "insecure-skip-tls-verify");
  e.tls_server_name = str_of(c, "tls-server-name");
  e.proxy_url = str_of(c, "proxy-url");
  if (!e.proxy_url.empty() && e.proxy_url.rfind("http://", 0) != 0 && e.proxy_url.rfind("https://", 0) != 0 &&
      e.proxy_url.rfind("socks5://", 0) != 0)
    bad(label, c["proxy-url"], "proxy-url \"" + e.proxy_url + "\" is not an http://, https:// or socks5:// URL");
  e.source = label;
  return e;
}

KubeExecConfig read_exec(const YAML::Node& x, const std::string& label, const std::string& dir) {
  KubeExecConfig e;
  e.api_version = str_of(x, "apiVersion");
  e.command = str_of(x, "command");
  if (e.command.empty()) bad(label, x, "exec plugin has no command");
  if (e.command.find('/') != std::string::npos) e.command = abs_path(e.command, dir);
  if (auto a = x["args"]; a && a.IsSequence())
    for (const auto& s : a) e.args.push_back(s.as<std::string>());
  if (auto env = x["env"]; env && env.IsSequence())
    for (const auto& kv : env) e.env.emplace_back(str_of(kv, "name"), str_of(kv, "value"));
  if (auto m = str_of(x, "interactiveMode"); !m.empty()) e.interactive_mode = m;
  e.provide_cluster_info = bool_of(x, "provideClusterInfo");
  e.install_hint = str_of(x, "installHint");
  e.dir = dir;
  return e;
}

KubeUserEntry read_user(const YAML::Node& u, const std::string& label, const std::string& dir) {
  KubeUserEntry e;
  e.client_cert_file = abs_path(str_of(u, "client-certificate"), dir);
  e.client_key_file = abs_path(str_of(u, "client-key"), dir);
  if (auto d = str_of(u, "client-certificate-data"); !d.empty())
    e.client_cert_pem = decode_data(d, label, "client-certificate-data");
  if (auto d = str_of(u, "client-key-data"); !d.empty()) e.client_key_pem = decode_data(d, label, "client-key-data");
  e.token = str_of(u, "token");
  e.token_file = abs_path(str_of(u, "tokenFile"), dir);
  e.username = str_of(u, "username");
  e.password = str_of(u, "password");
  if (auto x = u["exec"]; x && x.IsMap()) e.exec = read_exec(x, label, dir);
  if (auto ap = u["auth-provider"]; ap && ap.IsMap()) e.auth_provider = str_of(ap, "name");
  e.source = label;
  int methods = (!e.token.empty() || !e.token_file.empty()) + (!e.username.empty()) + (e.exec.has_value()) +
                (!e.auth_provider.empty());
  if (methods > 1)
    bad(label, u, "a user may have only one authentication method (token, basic auth, exec or auth-provider)");
  return e;
}

}  // namespace

void merge_kube_config_text(const std::string& label, const std::string& text, const std::string& dir,
                            KubeConfigSet& into) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw Error(ErrorKind::Invalid, fmt::format("{}:{}:{}: {}", label, e.mark.line + 1, e.mark.column + 1, e.msg),
                "fix the kubeconfig, or pick another file with --kubeconfig");
  }
  into.files.push_back(label);
  if (!root || root.IsNull()) return;  // an empty file is allowed
  if (!root.IsMap()) bad(label, root, "a kubeconfig must be a mapping");
  if (into.current_context.empty()) into.current_context = str_of(root, "current-context");
  each_named(label, root, "clusters", "cluster", [&](const std::string& name, const YAML::Node& b) {
    if (!into.clusters.count(name)) into.clusters[name] = read_cluster(b, label, dir);
  });
  each_named(label, root, "users", "user", [&](const std::string& name, const YAML::Node& b) {
    if (!into.users.count(name)) into.users[name] = read_user(b, label, dir);
  });
  each_named(label, root, "contexts", "context", [&](const std::string& name, const YAML::Node& b) {
    if (!into.contexts.count(name))
      into.contexts[name] = KubeContextEntry{str_of(b, "cluster"), str_of(b, "user"), str_of(b, "namespace")};
  });
}

static void merge_file(const std::string& path, KubeConfigSet& into) {
  auto text = read_file_or_throw(path);
  merge_kube_config_text(path, text, fs::path(path).parent_path().string(), into);
}

KubeConfigSet load_kube_config(const KubeConfigSources& src) {
  KubeConfigSet cfg;
  if (!src.explicit_path.empty()) {
    if (!fs::exists(src.explicit_path))
      throw Error(ErrorKind::NotFound, fmt::format("kubeconfig {} does not exist", src.explicit_path),
                  "check the path given to --kubeconfig");
    merge_file(src.explicit_path, cfg);
    return cfg;
  }
  if (!src.kubeconfig_env.empty()) {
    size_t start = 0;
    while (start <= src.kubeconfig_env.size()) {
      auto end = src.kubeconfig_env.find(':', start);
      if (end == std::string::npos) end = src.kubeconfig_env.size();
      auto p = src.kubeconfig_env.substr(start, end - start);
      if (!p.empty() && fs::exists(p)) merge_file(p, cfg);
      start = end + 1;
    }
    return cfg;
  }
  if (!src.home.empty()) {
    auto p = (fs::path(src.home) / ".kube" / "config").string();
    if (fs::exists(p)) merge_file(p, cfg);
  }
  return cfg;
}

static std::vector<std::string> keys_of(const std::map<std::string, KubeContextEntry>& m) {
  std::vector<std::string> out;
  for (const auto& [k, v] : m) out.push_back(k);
  return out;
}

KubeTarget resolve_kube_target(const KubeConfigSet& cfg, const KubeSelection& sel) {
  std::string files = fmt::format("{}", fmt::join(cfg.files, ", "));
  std::string ctx_name = sel.context.empty() ? cfg.current_context : sel.context;
  if (ctx_name.empty())
    throw Error(ErrorKind::Invalid, fmt::format("no context selected in {}", files.empty() ? "kubeconfig" : files),
                "set current-context in the kubeconfig or pass --context");
  auto it = cfg.contexts.find(ctx_name);
  if (it == cfg.contexts.end()) {
    auto names = keys_of(cfg.contexts);
    auto near = closest_match(ctx_name, names);
    throw Error(ErrorKind::Invalid, fmt::format("context \"{}\" is not defined in {}", ctx_name, files),
                near.empty() ? fmt::format("known contexts: {}", fmt::join(names, ", "))
                             : fmt::format("did you mean \"{}\"?", near));
  }
  const auto& ctx = it->second;
  auto cl = cfg.clusters.find(ctx.cluster);
  if (cl == cfg.clusters.end())
    throw Error(ErrorKind::Invalid, fmt::format("context \"{}\" refers to cluster \"{}\", which is not defined in {}",
                                                ctx_name, ctx.cluster, files));
  if (cl->second.server.empty())
    throw Error(ErrorKind::Invalid, fmt::format("cluster \"{}\" in {} has no server", ctx.cluster, cl->second.source));
  KubeTarget t;
  t.context = ctx_name;
  t.cluster_name = ctx.cluster;
  t.user_name = ctx.user;
  t.server = cl->second.server;
  t.namespace_ = !sel.namespace_.empty() ? sel.namespace_ : !ctx.namespace_.empty() ? ctx.namespace_ : "default";
  t.tls.ca_file = cl->second.ca_file;
  t.tls.ca_pem = cl->second.ca_pem;
  t.tls.insecure_skip_verify = cl->second.insecure_skip_tls_verify;  // only when the kubeconfig says so
  t.tls_server_name = cl->second.tls_server_name;  // SNI and certificate name (see TlsOptions::server_name)
  t.tls.server_name = t.tls_server_name;
  t.proxy_url = cl->second.proxy_url;
  t.config_source = files;
  if (!ctx.user.empty()) {
    auto u = cfg.users.find(ctx.user);
    if (u == cfg.users.end())
      throw Error(ErrorKind::Invalid, fmt::format("context \"{}\" refers to user \"{}\", which is not defined in {}",
                                                  ctx_name, ctx.user, files));
    t.user = u->second;
    if (!t.user.auth_provider.empty())
      throw Error(ErrorKind::Auth,
                  fmt::format("user \"{}\" uses the removed auth-provider \"{}\"", ctx.user, t.user.auth_provider),
                  "switch the kubeconfig to an exec credential plugin (e.g. gke-gcloud-auth-plugin, kubelogin)");
    if (!t.user.client_cert_file.empty()) t.tls.client_cert_pem = read_file_or_throw(t.user.client_cert_file);
    if (!t.user.client_cert_pem.empty()) t.tls.client_cert_pem = t.user.client_cert_pem;
    if (!t.user.client_key_file.empty()) t.tls.client_key_pem = read_file_or_throw(t.user.client_key_file);
    if (!t.user.client_key_pem.empty()) t.tls.client_key_pem = t.user.client_key_pem;
  }
  return t;
}

std::optional<KubeTarget> in_cluster_kube_target(const std::string& host, const std::string& port,
                                                 const std::string& sa_dir, const KubeSelection& sel) {
  if (host.empty() || port.empty()) return std::nullopt;
  auto token_path = (fs::path(sa_dir) / "token").string();
  if (!fs::exists(token_path)) return std::nullopt;
  KubeTarget t;
  t.in_cluster = true;
  t.context = "in-cluster";
  bool v6 = host.find(':') != std::string::npos;
  t.server = fmt::format("https://{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", port);
  t.tls.ca_file = (fs::path(sa_dir) / "ca.crt").string();
  t.user.token_file = token_path;  // re-read on use: projected tokens rotate
  t.config_source = sa_dir;
  auto ns = read_file((fs::path(sa_dir) / "namespace").string());
  t.namespace_ = !sel.namespace_.empty() ? sel.namespace_ : (ns && !ns->empty()) ? *ns : "default";
  while (!t.namespace_.empty() && (t.namespace_.back() == '\n' || t.namespace_.back() == ' ')) t.namespace_.pop_back();
  return t;
}

KubeTarget load_kube_target(const std::string& kubeconfig_flag, const KubeSelection& sel) {
  auto env = [](const char* n) {
    const char* v = std::getenv(n);
    return std::string(v ? v : "");
  };
  KubeConfigSources src{kubeconfig_flag, env("KUBECONFIG"), env("HOME")};
  auto cfg = load_kube_config(src);
  if (cfg.files.empty() && kubeconfig_flag.empty()) {
    if (auto t = in_cluster_kube_target(env("KUBERNETES_SERVICE_HOST"), env("KUBERNETES_SERVICE_PORT"),
                                        "/var/run/secrets/kubernetes.io/serviceaccount", sel))
      return *t;
    throw Error(ErrorKind::NotFound, "no Kubernetes configuration found",
                "set KUBECONFIG, pass --kubeconfig FILE, or create ~/.kube/config");
  }
  return resolve_kube_target(cfg, sel);
}

}  // namespace rayctl
