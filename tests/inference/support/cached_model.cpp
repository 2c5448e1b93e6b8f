// cached_smollm2_model: asks scripts/fetch-model.sh --check (which never downloads).
#include "tests/inference/support/cached_model.h"

#include <cstdio>

namespace rayctl::inference {

std::string cached_smollm2_model() {
  std::string cmd = std::string(RAYCTL_SOURCE_DIR) + "/scripts/fetch-model.sh --check 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return {};
  char buf[4096] = {0};
  std::string out = fgets(buf, sizeof buf, p) ? buf : "";
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace rayctl::inference
