// create_backend: picks the Backend implementation for a --device name. "cpu" is always
// built; "cuda" only when rayctl was compiled with the CUDA toolkit (RAYCTL_HAVE_CUDA), and
// asking for it otherwise is a usage error that says so.
#pragma once

#include "inference/engine/backend.h"
#include "inference/model/model_config.h"

#include <memory>
#include <string>

namespace rayctl::inference {

struct BackendConfig {
  std::string device = "cpu";           // "cpu" | "cuda"
  int threads = 0;                      // CPU threads; 0: all online CPUs
  int max_context = 0;                  // longest sequence the engine will run
  bool exact = false;                   // CPU: f32 activations and KV (reference numerics)
  int gpu = 0;                          // CUDA: device index among the visible ones
  double gpu_memory_utilization = 0.9;  // CUDA: share of the GPU's memory to use (KV pool sized from it)
};

// Throws rayctl::Error(Usage) for an unknown device or one this build lacks.
std::unique_ptr<Backend> create_backend(const ModelFile& model, const BackendConfig& config);
// True when this binary can run `device`.
bool backend_available(const std::string& device);

}  // namespace rayctl::inference
