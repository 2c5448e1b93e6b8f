// Bounded, non-throwing reads of the Kubernetes API for `rayctl doctor`.
#include "inspect/doctor/kube_api_probe.h"

#include "cluster/kube/kube_api_error.h"
#include "core/error.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <ctime>

namespace rayctl {

std::string KubeReply::describe() const {
  if (status == 0) return "no reply: " + message;
  std::string word = status == 401 ? " Unauthorized" : status == 403 ? " Forbidden" : status == 404 ? " Not Found" : "";
  return fmt::format("{}{}{}{}", status, word, message.empty() ? "" : ": ", message);
}

std::vector<nlohmann::json> KubeReply::items() const {
  std::vector<nlohmann::json> out;
  if (ok() && body.is_object() && body.contains("items") && body["items"].is_array())
    for (const auto& i : body["items"]) out.push_back(i);
  return out;
}

KubeReply KubeReply::of(long status, nlohmann::json body, std::string message) {
  KubeReply r;
  r.status = status;
  r.body = std::move(body);
  r.message = std::move(message);
  return r;
}

KubeReply KubeReply::failed(std::string error) {
  KubeReply r;
  r.message = std::move(error);
  return r;
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(const std::string& s) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char wday[4] = {}, mon[4] = {}, zone[4] = {};
  int day = 0, year = 0, h = 0, m = 0, sec = 0;
  if (std::sscanf(s.c_str(), "%3s, %d %3s %d %d:%d:%d %3s", wday, &day, mon, &year, &h, &m, &sec, zone) != 8)
    return std::nullopt;
  if (std::strcmp(zone, "GMT") != 0) return std::nullopt;
  std::tm tm{};
  tm.tm_mon = -1;
  for (int i = 0; i < 12; ++i)
    if (std::strcmp(mon, kMonths[i]) == 0) tm.tm_mon = i;
  if (tm.tm_mon < 0) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mday = day;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

KubeReply KubeProbe::get(const std::string& path, bool retry) {
  HttpRequest req;
  req.url = path;
  req.headers.emplace_back("Accept", "application/json");
  req.timeout = timeout_;
  req.connect_timeout = std::min(timeout_, req.connect_timeout);
  HttpResponse r;
  try {
    r = client_.send(req, retry);
  } catch (const Error& e) {
    return KubeReply::failed(e.message());
  }
  KubeReply out;
  out.status = r.status;
  out.server_time = parse_http_date(r.header("date"));
  if (out.ok()) {
    out.body = nlohmann::json::parse(r.body, nullptr, false);
    if (out.body.is_discarded()) {
      out.body = nullptr;
      out.message = "the reply is not JSON";
    }
  } else {
    out.message = parse_kube_status(r).message;
  }
  return out;
}

std::optional<std::string> KubeProbe::get_text(const std::string& path) {
  HttpRequest req;
  req.url = path;
  req.timeout = timeout_;
  req.connect_timeout = std::min(timeout_, req.connect_timeout);
  try {
    HttpResponse r = client_.send(req, true);
    if (r.status / 100 == 2) return r.body;
  } catch (const Error&) {
    // a missing log is a missing detail, not a finding
  }
  return std::nullopt;
}

}  // namespace rayctl
