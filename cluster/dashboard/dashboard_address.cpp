// Dashboard address and token resolution.
#include "cluster/dashboard/dashboard_address.h"

#include "core/error.h"
#include "core/state_store.h"

#include <cstdlib>

namespace rayctl {

EnvLookup process_env() {
  return [](const std::string& name) {
    const char* v = std::getenv(name.c_str());
    return std::string(v ? v : "");
  };
}

std::string normalize_dashboard_url(const std::string& address) {
  std::string a = address;
  while (!a.empty() && (a.back() == '/' || a.back() == ' ')) a.pop_back();
  while (!a.empty() && a.front() == ' ') a.erase(a.begin());
  if (a.empty()) throw Error(ErrorKind::Usage, "the dashboard address is empty", "pass --address http://HOST:8265");
  size_t sep = a.find("://");
  if (sep == std::string::npos) return "http://" + a;
  std::string scheme = a.substr(0, sep);
  if (scheme == "http" || scheme == "https") return a;
  throw Error(ErrorKind::Usage, "'" + address + "' is not a dashboard address (scheme " + scheme + "://)",
              "rayctl serve talks to the Ray dashboard over HTTP: use http://HOST:8265 (not the ray:// client "
              "port 10001 or the GCS port 6379)");
}

std::string resolve_dashboard_token(const std::string& token_file, const EnvLookup& env) {
  auto from_file = [](const std::string& path, const std::string& what) {
    auto text = read_file(path);
    if (!text)
      throw Error(ErrorKind::Io, "cannot read the Ray auth token file " + path + " (" + what + ")",
                  "`ray get-auth-token` on the head prints the token");
    std::string t = *text;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    if (t.empty()) throw Error(ErrorKind::Invalid, "the Ray auth token file " + path + " is empty (" + what + ")");
    return t;
  };
  if (!token_file.empty()) return from_file(token_file, "--token-file");
  std::string tok = env("RAY_AUTH_TOKEN");
  if (!tok.empty()) return tok;
  std::string path = env("RAY_AUTH_TOKEN_PATH");
  if (!path.empty()) return from_file(path, "RAY_AUTH_TOKEN_PATH");
  return {};
}

DashboardEndpoint resolve_dashboard_address(const DashboardAddressOptions& opt, const EnvLookup& env) {
  DashboardEndpoint ep;
  if (!opt.address.empty()) {
    ep.url = normalize_dashboard_url(opt.address);
    ep.source = "--address";
  } else if (std::string a = env("RAY_DASHBOARD_ADDRESS"); !a.empty()) {
    ep.url = normalize_dashboard_url(a);
    ep.source = "RAY_DASHBOARD_ADDRESS";
  } else {
    ep.url = "http://127.0.0.1:8265";
    ep.source = "the default address";
  }
  ep.token = resolve_dashboard_token(opt.token_file, env);
  ep.timeout = opt.request_timeout;
  ep.send_local_token_anywhere = env("RAYCTL_SEND_LOCAL_TOKEN") == "1";
  return ep;
}

}  // namespace rayctl
