// KubeConfig: the kubeconfig files rayctl reads, merged the way kubectl merges them, and the
// KubeTarget they resolve to (server, TLS material, credentials, namespace) for one context.
// Also the in-cluster service-account configuration. This file reads files and environment
// values handed to it; it never talks to a server and never runs an exec plugin (see
// kube_credentials.h).
#pragma once

#include "core/http_client.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rayctl {

// One `clusters[].cluster` entry. Paths are already absolute (relative to their kubeconfig).
struct KubeClusterEntry {
  std::string server;
  std::string ca_file;
  std::string ca_pem;  // decoded certificate-authority-data
  bool insecure_skip_tls_verify = false;
  std::string tls_server_name;
  std::string proxy_url;
  std::string source;  // the kubeconfig file that defined it
};

// `users[].user.exec`: a client-go credential plugin.
struct KubeExecConfig {
  std::string api_version;  // client.authentication.k8s.io/v1 or v1beta1
  std::string command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string interactive_mode = "IfAvailable";  // Never | IfAvailable | Always
  bool provide_cluster_info = false;
  std::string install_hint;
  std::string dir;  // directory of the kubeconfig (a relative command is resolved there)
};

// One `users[].user` entry; at most one auth method may be set.
struct KubeUserEntry {
  std::string client_cert_file, client_key_file;
  std::string client_cert_pem, client_key_pem;  // decoded *-data
  std::string token;
  std::string token_file;
  std::string username, password;
  std::optional<KubeExecConfig> exec;
  std::string auth_provider;  // legacy auth-provider name (unsupported, reported)
  std::string source;
};

struct KubeContextEntry {
  std::string cluster, user, namespace_;
};

// kubeconfig files merged: for every map key, the first file that sets it wins.
struct KubeConfigSet {
  std::vector<std::string> files;  // files actually read, in merge order
  std::map<std::string, KubeClusterEntry> clusters;
  std::map<std::string, KubeUserEntry> users;
  std::map<std::string, KubeContextEntry> contexts;
  std::string current_context;
};

// Where kubeconfig comes from (environment values passed in so that tests control them).
struct KubeConfigSources {
  std::string explicit_path;   // --kubeconfig: that file only
  std::string kubeconfig_env;  // $KUBECONFIG: ':'-separated list, merged
  std::string home;            // for ~/.kube/config
};

// Selection flags shared by every Kubernetes verb.
struct KubeSelection {
  std::string context;     // --context
  std::string namespace_;  // -n/--namespace
};

// What one client talks to, with which identity.
struct KubeTarget {
  std::string context, cluster_name, user_name;
  std::string server;  // https://host:port, no trailing slash
  std::string namespace_ = "default";
  TlsOptions tls;               // CA and (static) client certificate
  std::string proxy_url;        // kubeconfig clusters[].cluster.proxy-url ("" = direct)
  std::string tls_server_name;  // kubeconfig tls-server-name (also in tls.server_name; passed to exec plugins)
  KubeUserEntry user;           // credentials (token, token file, exec plugin)
  bool in_cluster = false;
  std::string config_source;  // the file(s) the settings came from, for messages

  // "user \"admin\" (client certificate) in context \"kind\"" — never contains secrets.
  std::string identity() const;
};

// Reads kubeconfig from the sources (see KubeConfigSources). Throws Error(Invalid) naming the
// file for YAML or schema problems, Error(NotFound) when --kubeconfig names a missing file.
// Missing files in $KUBECONFIG are skipped, as kubectl does.
KubeConfigSet load_kube_config(const KubeConfigSources& src);
// Parses one kubeconfig text (label for messages, dir for relative paths) into `into`,
// keeping entries already present (first wins).
void merge_kube_config_text(const std::string& label, const std::string& text, const std::string& dir,
                            KubeConfigSet& into);

// Resolves the context (flag, else current-context) into a target. Throws Error(Invalid) with
// the known context names when it is missing.
KubeTarget resolve_kube_target(const KubeConfigSet& cfg, const KubeSelection& sel);

// In-cluster config from KUBERNETES_SERVICE_HOST/PORT and the service-account directory
// (/var/run/secrets/kubernetes.io/serviceaccount); nullopt when not running in a pod.
std::optional<KubeTarget> in_cluster_kube_target(const std::string& host, const std::string& port,
                                                 const std::string& sa_dir, const KubeSelection& sel);

// The usual order: --kubeconfig / $KUBECONFIG / ~/.kube/config, else in-cluster; reads the
// real environment. Throws Error(NotFound) with a hint when nothing is configured.
KubeTarget load_kube_target(const std::string& kubeconfig_flag, const KubeSelection& sel);

}  // namespace rayctl
