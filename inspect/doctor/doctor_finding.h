// DoctorFinding: one check's outcome as a pure classifier states it (from ps output, Serve's
// status JSON, a proxy's reply), before the walk records it into its DoctorContext. Keeping the
// classifiers I/O-free is what lets the unit tests feed them Ray's real shapes.
#pragma once

#include "inspect/doctor/doctor_walk.h"

#include <string>
#include <vector>

namespace rayctl {

struct DoctorFinding {
  std::string id;  // catalogue ID (doctor_checks.h)
  CheckState state = CheckState::Ok;
  std::string subject;
  std::string summary;
  std::vector<std::string> evidence;
  std::string fix;  // "" = the catalogue's
};

inline DoctorFinding finding(std::string id, CheckState state, std::string subject, std::string summary,
                             std::vector<std::string> evidence = {}, std::string fix = {}) {
  return {std::move(id), state, std::move(subject), std::move(summary), std::move(evidence), std::move(fix)};
}

inline void record_finding(DoctorContext& ctx, const DoctorFinding& f) {
  switch (f.state) {
    case CheckState::Ok: ctx.ok(f.id, f.subject, f.summary); break;
    case CheckState::Warn: ctx.warn(f.id, f.subject, f.summary, f.evidence, f.fix); break;
    case CheckState::Fail: ctx.fail(f.id, f.subject, f.summary, f.evidence, f.fix); break;
  }
}

}  // namespace rayctl
