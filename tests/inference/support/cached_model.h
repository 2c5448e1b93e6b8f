// The real SmolLM2-135M-Instruct Q4_1 GGUF for tests that need it: its path when
// scripts/fetch-model.sh has cached it, else "" (the test skips with a message).
#pragma once

#include <string>

namespace rayctl::inference {

std::string cached_smollm2_model();

}  // namespace rayctl::inference
