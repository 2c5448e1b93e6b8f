#include "inspect/doctor/doctor_walk.h"

#include "inspect/doctor/doctor_checks.h"

#include <fmt/format.h>

#include <algorithm>

namespace rayctl {

DoctorContext::DoctorContext(DoctorReport& r, const DoctorOptions& o, IOStreams& s, CancelFlag& c)
    : report(r), opt(o), io(s), cancel(c), last_(std::chrono::steady_clock::now()) {
  if (io.err_tty && io.verbosity >= 0) progress_ = std::make_unique<ProgressBoard>(io);
}

DoctorContext::~DoctorContext() {
  if (progress_) progress_->set("doctor", "done");
}

CheckResult& DoctorContext::ok(const std::string& id, const std::string& subject, const std::string& summary) {
  return record(id, subject, CheckState::Ok, summary, {}, {});
}

CheckResult& DoctorContext::warn(const std::string& id, const std::string& subject, const std::string& summary,
                                 std::vector<std::string> evidence, const std::string& fix) {
  return record(id, subject, CheckState::Warn, summary, std::move(evidence), fix);
}

CheckResult& DoctorContext::fail(const std::string& id, const std::string& subject, const std::string& summary,
                                 std::vector<std::string> evidence, const std::string& fix) {
  return record(id, subject, CheckState::Fail, summary, std::move(evidence), fix);
}

CheckResult& DoctorContext::record(const std::string& id, const std::string& subject, CheckState state,
                                   const std::string& summary, std::vector<std::string> evidence,
                                   const std::string& fix) {
  const DoctorCheckInfo& info = doctor_check(id);
  auto now = std::chrono::steady_clock::now();
  CheckResult c;
  c.id = id;
  c.layer = info.layer;
  c.title = info.title;
  c.subject = subject;
  c.state = state;
  c.summary = summary;
  c.evidence = std::move(evidence);
  if (state != CheckState::Ok) c.fix = fix.empty() ? info.fix : fix;
  c.seconds = std::chrono::duration<double>(now - last_).count();
  last_ = now;
  say_debug(io, fmt::format("doctor: {} {} {}{}: {}", check_state_name(state), id, info.title,
                            subject.empty() ? "" : " [" + subject + "]", summary));
  report.checks.push_back(std::move(c));
  return report.checks.back();
}

bool DoctorContext::broken() const {
  for (const auto& c : report.checks)
    if (c.state == CheckState::Fail) return true;
  return false;
}

void DoctorContext::begin_layer(DoctorLayer l) {
  if (progress_) progress_->set("doctor", std::string("checking ") + layer_name(l) + "…");
  say_debug(io, std::string("doctor: checking the ") + layer_name(l) + " layer");
  auto due = std::stable_partition(deferred_.begin(), deferred_.end(), [&](const auto& d) { return d.first != l; });
  std::vector<std::function<void(DoctorContext&)>> now;
  for (auto it = due; it != deferred_.end(); ++it) now.push_back(std::move(it->second));
  deferred_.erase(due, deferred_.end());
  for (auto& record : now) record(*this);
}

void DoctorContext::at_layer(DoctorLayer layer, std::function<void(DoctorContext&)> record) {
  deferred_.emplace_back(layer, std::move(record));
}

}  // namespace rayctl
