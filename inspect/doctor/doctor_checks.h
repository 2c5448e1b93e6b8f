// The catalogue of `rayctl doctor` checks: one ID per thing that can be broken, with its layer,
// its title and the fix to print when it fails. man/rayctl-doctor.1 documents every ID (a unit
// test holds the two together), the way man/rayctl-validate.1 documents the RL checks.
// IDs by layer: DR1xx ssh, DR15x kubernetes, DR16x kuberay, DR17x pods, DR2xx ray,
// DR3xx dashboard, DR4xx serve, DR5xx resources, DR6xx app (requests).
#pragma once

#include "inspect/doctor/doctor_report.h"

#include <string>
#include <vector>

namespace rayctl {

struct DoctorCheckInfo {
  const char* id;
  DoctorLayer layer;
  const char* title;  // what is checked, as a heading: "raylet running on every node"
  const char* fix;    // the default fix when it fails (a check may print a more precise one)
};

// Every check, in walk order.
const std::vector<DoctorCheckInfo>& doctor_checks();
// The check with this ID; throws Error(Internal) for an ID not in the catalogue.
const DoctorCheckInfo& doctor_check(const std::string& id);

}  // namespace rayctl
