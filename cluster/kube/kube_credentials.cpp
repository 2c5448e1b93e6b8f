// Bearer tokens, token files and exec credential plugins for the Kubernetes client.
#include "cluster/kube/kube_credentials.h"

#include "core/content_digest.h"
#include "core/error.h"
#include "core/process.h"
#include "core/state_store.h"

#include <fmt/format.h>
#include <algorithm>
#include <nlohmann/json.hpp>

#include <ctime>

namespace rayctl {

namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  return s.substr(i);
}

constexpr auto kTokenFileReread = std::chrono::seconds(60);
constexpr auto kExpirySkew = std::chrono::seconds(10);  // refresh a little before expiry

}  // namespace

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(const std::string& s) {
  std::tm tm{};
  int y, mo, d, h, mi, sec;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) return std::nullopt;
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  time_t t = timegm(&tm);
  // Offset: "Z", or "+hh:mm" / "-hh:mm" after optional fractional seconds.
  auto tpos = s.find('T');
  auto off = s.find_first_of("+-", tpos);
  if (off != std::string::npos) {
    int oh = 0, om = 0;
    if (std::sscanf(s.c_str() + off + 1, "%d:%d", &oh, &om) >= 1) {
      int sign = s[off] == '+' ? 1 : -1;
      t -= sign * (oh * 3600 + om * 60);
    }
  }
  // system_clock counts nanoseconds in 64 bits (until 2262): clamp far-future expiries
  // ("2999-01-01T00:00:00Z" means "never") instead of overflowing into the past.
  constexpr time_t kLatest = 7'000'000'000;  // year 2191
  return std::chrono::system_clock::from_time_t(std::min(t, kLatest));
}

ExecCredential parse_exec_credential(const std::string& plugin, const std::string& json_text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json_text);
  } catch (const std::exception&) {
    throw Error(ErrorKind::Auth, fmt::format("exec credential plugin {} printed something that is not JSON", plugin),
                "run the plugin by hand to see its output; it must print an ExecCredential object");
  }
  if (!j.is_object() || j.value("kind", "") != "ExecCredential" || !j.contains("status") || !j["status"].is_object())
    throw Error(ErrorKind::Auth,
                fmt::format("exec credential plugin {} did not print an ExecCredential with a status", plugin));
  const auto& st = j["status"];
  ExecCredential c;
  c.token = st.value("token", "");
  c.client_cert_pem = st.value("clientCertificateData", "");
  c.client_key_pem = st.value("clientKeyData", "");
  if (c.token.empty() && (c.client_cert_pem.empty() || c.client_key_pem.empty()))
    throw Error(
        ErrorKind::Auth,
        fmt::format("exec credential plugin {} returned neither a token nor a client certificate and key", plugin));
  if (auto e = st.value("expirationTimestamp", ""); !e.empty()) {
    c.expires = parse_rfc3339(e);
    if (!c.expires)
      throw Error(ErrorKind::Auth,
                  fmt::format("exec credential plugin {} returned a malformed expirationTimestamp \"{}\"", plugin, e));
  }
  return c;
}

std::string exec_info_json(const KubeExecConfig& exec, const KubeTarget& target, bool interactive) {
  nlohmann::json spec = {{"interactive", interactive}};
  if (exec.provide_cluster_info) {
    nlohmann::json cluster = {{"server", target.server}};
    if (!target.tls.ca_pem.empty()) cluster["certificate-authority-data"] = base64_encode(target.tls.ca_pem);
    if (!target.tls_server_name.empty()) cluster["tls-server-name"] = target.tls_server_name;
    if (target.tls.insecure_skip_verify) cluster["insecure-skip-tls-verify"] = true;
    if (!target.proxy_url.empty()) cluster["proxy-url"] = target.proxy_url;
    spec["cluster"] = cluster;
  }
  std::string api = exec.api_version.empty() ? "client.authentication.k8s.io/v1" : exec.api_version;
  return nlohmann::json{{"apiVersion", api}, {"kind", "ExecCredential"}, {"spec", spec}}.dump();
}

KubeCredentials::KubeCredentials(const KubeTarget& target, bool stdin_is_tty)
    : target_(target), stdin_tty_(stdin_is_tty) {}

void KubeCredentials::refresh_exec_locked() {
  const auto& x = *target_.user.exec;
  bool interactive = stdin_tty_ && x.interactive_mode != "Never";
  if (x.interactive_mode == "Always" && !stdin_tty_)
    throw Error(
        ErrorKind::Auth,
        fmt::format("exec credential plugin {} needs an interactive terminal (interactiveMode: Always)", x.command),
        "run rayctl from a terminal, or change the plugin's interactiveMode");
  ProcessSpec p;
  p.argv.push_back(x.command);
  for (const auto& a : x.args) p.argv.push_back(a);
  for (const auto& [k, v] : x.env) p.env_add[k] = v;
  p.env_add["KUBERNETES_EXEC_INFO"] = exec_info_json(x, target_, interactive);
  p.timeout = std::chrono::minutes(interactive ? 5 : 1);
  // As client-go: an interactive plugin gets the terminal (stdin, and stderr for its prompts);
  // only stdout, the credential, is captured.
  p.inherit_stdin = interactive;
  p.inherit_stderr = interactive;
  if (x.command.find('/') == std::string::npos && !find_in_path(x.command)) {
    std::string hint = x.install_hint.empty()
                           ? fmt::format("install {} or fix users[{}].user.exec.command", x.command, target_.user_name)
                           : x.install_hint;
    throw Error(ErrorKind::Auth,
                fmt::format("exec credential plugin {} (user \"{}\") is not installed", x.command, target_.user_name),
                hint);
  }
  ++exec_runs_;
  auto r = run_process(p);
  if (r.timed_out)
    throw Error(ErrorKind::Auth, fmt::format("exec credential plugin {} did not finish in time", x.command));
  if (r.exit_code != 0) {
    auto err = trim(r.err);  // empty when interactive: the plugin's errors went to the terminal
    throw Error(ErrorKind::Auth,
                fmt::format("exec credential plugin {} failed (exit {}){}{}", x.command, r.exit_code,
                            err.empty() ? "" : ": ", err),
                x.install_hint);
  }
  exec_cached_ = parse_exec_credential(x.command, r.out);
}

void KubeCredentials::apply(HttpRequest& req) {
  std::lock_guard<std::mutex> g(mu_);
  req.tls = target_.tls;
  req.proxy = target_.proxy_url;
  const auto& u = target_.user;
  std::string token;
  if (u.exec) {
    auto now = std::chrono::system_clock::now();
    if (!exec_cached_ || (exec_cached_->expires && *exec_cached_->expires - kExpirySkew <= now)) refresh_exec_locked();
    token = exec_cached_->token;
    if (!exec_cached_->client_cert_pem.empty()) {
      req.tls.client_cert_pem = exec_cached_->client_cert_pem;
      req.tls.client_key_pem = exec_cached_->client_key_pem;
    }
  } else if (!u.token.empty()) {
    token = u.token;
  } else if (!u.token_file.empty()) {
    auto now = std::chrono::steady_clock::now();
    if (file_token_.empty() || now - file_read_at_ > kTokenFileReread) {
      file_token_ = trim(read_file_or_throw(u.token_file));
      file_read_at_ = now;
    }
    token = file_token_;
  } else if (!u.username.empty()) {
    req.headers.emplace_back("Authorization", "Basic " + base64_encode(u.username + ":" + u.password));
  }
  if (!token.empty()) req.headers.emplace_back("Authorization", "Bearer " + token);
}

bool KubeCredentials::invalidate() {
  std::lock_guard<std::mutex> g(mu_);
  if (target_.user.exec) {
    exec_cached_.reset();
    return true;
  }
  if (!target_.user.token_file.empty()) {
    file_token_.clear();
    return true;
  }
  return false;
}

}  // namespace rayctl
