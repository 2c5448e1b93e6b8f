#include "inspect/doctor/doctor_report.h"

#include <algorithm>
#include <cmath>

namespace rayctl {

namespace {
constexpr const char* kLayerNames[] = {"ssh",       "kubernetes", "kuberay",   "pods", "ray",
                                       "dashboard", "serve",      "resources", "app"};
double round_ms(double s) { return std::round(s * 1000.0) / 1000.0; }
}  // namespace

const char* layer_name(DoctorLayer l) { return kLayerNames[static_cast<int>(l)]; }

std::optional<DoctorLayer> parse_layer(const std::string& name) {
  for (int i = 0; i < static_cast<int>(std::size(kLayerNames)); ++i)
    if (name == kLayerNames[i]) return static_cast<DoctorLayer>(i);
  return std::nullopt;
}

const char* check_state_name(CheckState s) {
  switch (s) {
    case CheckState::Ok: return "ok";
    case CheckState::Warn: return "warn";
    case CheckState::Fail: return "fail";
  }
  return "fail";
}

nlohmann::json CheckResult::to_json() const {
  return {{"id", id},
          {"layer", layer_name(layer)},
          {"title", title},
          {"subject", subject},
          {"state", check_state_name(state)},
          {"summary", summary},
          {"evidence", evidence},
          {"fix", fix},
          {"seconds", round_ms(seconds)}};
}

std::optional<DoctorLayer> DoctorReport::broken_layer() const {
  std::optional<DoctorLayer> first;
  for (const auto& c : checks) {
    if (c.state != CheckState::Fail) continue;
    auto pos = [&](DoctorLayer l) { return std::find(layers.begin(), layers.end(), l) - layers.begin(); };
    if (!first || pos(c.layer) < pos(*first)) first = c.layer;
  }
  return first;
}

const CheckResult* DoctorReport::first_failure() const {
  auto broken = broken_layer();
  if (!broken) return nullptr;
  for (const auto& c : checks)
    if (c.state == CheckState::Fail && c.layer == *broken) return &c;
  return nullptr;
}

bool DoctorReport::checked(DoctorLayer l) const {
  return std::any_of(checks.begin(), checks.end(), [&](const CheckResult& c) { return c.layer == l; });
}

nlohmann::json DoctorReport::to_json() const {
  auto broken = broken_layer();
  nlohmann::json layer_rows = nlohmann::json::array();
  bool past_broken = false;
  for (DoctorLayer l : layers) {
    std::string state = "not-checked";
    if (!past_broken && checked(l)) {
      state = "ok";
      for (const auto& c : checks) {
        if (c.layer != l) continue;
        if (c.state == CheckState::Fail)
          state = "fail";
        else if (c.state == CheckState::Warn && state == "ok")
          state = "warn";
      }
    }
    layer_rows.push_back({{"name", layer_name(l)}, {"state", state}});
    if (broken && l == *broken) past_broken = true;
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& c : checks) rows.push_back(c.to_json());
  const CheckResult* first = first_failure();
  return {{"target", target},
          {"provider", provider},
          {"healthy", healthy()},
          {"broken_layer", broken ? nlohmann::json(layer_name(*broken)) : nlohmann::json()},
          {"first_failure", first ? first->to_json() : nlohmann::json()},
          {"layers", layer_rows},
          {"checks", rows},
          {"seconds", round_ms(seconds)}};
}

}  // namespace rayctl
