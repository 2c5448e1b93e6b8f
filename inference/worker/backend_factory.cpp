// create_backend: device name → Backend.
#include "inference/worker/backend_factory.h"

#include "core/error.h"
#include "inference/cpu/cpu_backend.h"
#ifdef RAYCTL_HAVE_CUDA
#include "inference/cuda/cuda_backend.h"
#endif

namespace rayctl::inference {

#ifdef RAYCTL_HAVE_CUDA
static std::unique_ptr<Backend> create_cuda_backend(const ModelFile& model, const BackendConfig& config) {
  CudaBackendOptions o;
  o.gpu = config.gpu;
  o.memory_utilization = config.gpu_memory_utilization;
  o.max_context = config.max_context;
  return std::make_unique<CudaBackend>(model, o);
}
#endif

bool backend_available(const std::string& device) {
  if (device == "cpu") return true;
#ifdef RAYCTL_HAVE_CUDA
  if (device == "cuda") return true;
#endif
  return false;
}

std::unique_ptr<Backend> create_backend(const ModelFile& model, const BackendConfig& config) {
  if (config.device == "cpu") {
    CpuBackendOptions o;
    o.threads = config.threads;
    o.max_context = config.max_context;
    o.precision = config.exact ? CpuPrecision::Exact : CpuPrecision::Fast;
    return std::make_unique<CpuBackend>(model, o);
  }
  if (config.device == "cuda") {
#ifdef RAYCTL_HAVE_CUDA
    return create_cuda_backend(model, config);
#else
    throw Error(ErrorKind::Usage, "--device cuda: this rayctl was built without CUDA support",
                "use --device cpu, or rebuild rayctl on a machine with the CUDA toolkit (cmake -DRAYCTL_CUDA=ON)");
#endif
  }
  throw Error(ErrorKind::Usage, "--device " + config.device + ": unknown device", "use --device cpu or --device cuda");
}

}  // namespace rayctl::inference
