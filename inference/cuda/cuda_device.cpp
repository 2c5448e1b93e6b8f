// The CUDA runtime helpers of cuda_device.h.
#include "inference/cuda/cuda_device.h"

#include "core/error.h"
#include "inference/cuda/cuda_backend.h"

#include <fmt/format.h>

#include <dlfcn.h>

namespace rayctl::inference {

std::string cuda_unavailable_reason() {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e == cudaErrorNoDevice || (e == cudaSuccess && n == 0)) {
    cudaGetLastError();
    return "no CUDA device is visible (check nvidia-smi and CUDA_VISIBLE_DEVICES)";
  }
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear the error so that later calls report their own
    // Without a driver at all the runtime says "driver version is insufficient": say what it is.
    if (void* h = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL); h == nullptr) {
      return "no NVIDIA driver is installed (libcuda.so.1 not found)";
    } else {
      dlclose(h);
    }
    return std::string("the CUDA runtime cannot start: ") + cudaGetErrorString(e);
  }
  return {};
}

namespace cuda {

void check(cudaError_t e, const char* what) {
  if (e == cudaSuccess) return;
  throw Error(ErrorKind::Internal, fmt::format("CUDA: {}: {}", what, cudaGetErrorString(e)),
              e == cudaErrorMemoryAllocation ? "lower --gpu-memory-utilization, --parallel or --ctx" : "");
}

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  const cudaError_t e = cudaMalloc(&p_, bytes);
  if (e != cudaSuccess) {
    cudaGetLastError();
    p_ = nullptr;
    throw Error(ErrorKind::Internal,
                fmt::format("CUDA: cannot allocate {:.1f} MiB: {}", double(bytes) / (1 << 20), cudaGetErrorString(e)),
                "lower --gpu-memory-utilization, --parallel or --ctx, or free the GPU from other processes");
  }
}

DeviceBuffer::~DeviceBuffer() {
  if (p_) cudaFree(p_);
}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& o) noexcept {
  if (this != &o) {
    if (p_) cudaFree(p_);
    p_ = o.p_, bytes_ = o.bytes_;
    o.p_ = nullptr, o.bytes_ = 0;
  }
  return *this;
}

Stream Stream::create() {
  Stream s;
  check(cudaStreamCreateWithFlags(&s.s_, cudaStreamNonBlocking), "create a stream");
  return s;
}

Stream::~Stream() {
  if (s_) cudaStreamDestroy(s_);
}

Stream& Stream::operator=(Stream&& o) noexcept {
  if (this != &o) {
    if (s_) cudaStreamDestroy(s_);
    s_ = o.s_;
    o.s_ = nullptr;
  }
  return *this;
}

int select_device(int index) {
  int n = 0;
  check(cudaGetDeviceCount(&n), "count devices");
  if (index < 0 || index >= n)
    throw Error(ErrorKind::Usage, fmt::format("--gpu {}: {} CUDA device{} visible", index, n, n == 1 ? " is" : "s are"),
                fmt::format("use --gpu 0..{} (indices count the devices CUDA_VISIBLE_DEVICES leaves)", n - 1));
  check(cudaSetDevice(index), "select the device");
  return index;
}

std::string device_name(int device) {
  cudaDeviceProp p{};
  if (cudaGetDeviceProperties(&p, device) != cudaSuccess) return "CUDA device " + std::to_string(device);
  return fmt::format("{} (sm_{}{}, {:.1f} GiB)", p.name, p.major, p.minor,
                     double(p.totalGlobalMem) / (1024.0 * 1024 * 1024));
}

MemoryInfo memory_info() {
  MemoryInfo m;
  check(cudaMemGetInfo(&m.free, &m.total), "query memory");
  return m;
}

}  // namespace cuda
}  // namespace rayctl::inference
