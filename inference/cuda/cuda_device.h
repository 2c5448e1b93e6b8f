// The CUDA runtime as the backend uses it: errors turned into rayctl::Error, owned device
// memory and streams, device selection and memory queries. Host code only.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>

namespace rayctl::inference::cuda {

// Throws rayctl::Error (Internal) naming `what` and the CUDA error when e is not cudaSuccess.
void check(cudaError_t e, const char* what);

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& o) noexcept : p_(o.p_), bytes_(o.bytes_) { o.p_ = nullptr, o.bytes_ = 0; }
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  void* get() const { return p_; }
  template <typename T>
  T* as() const {
    return static_cast<T*>(p_);
  }
  size_t bytes() const { return bytes_; }

 private:
  void* p_ = nullptr;
  size_t bytes_ = 0;
};

class Stream {
 public:
  Stream() = default;
  static Stream create();
  ~Stream();
  Stream(Stream&& o) noexcept : s_(o.s_) { o.s_ = nullptr; }
  Stream& operator=(Stream&& o) noexcept;
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return s_; }

 private:
  cudaStream_t s_ = nullptr;
};

// Makes visible device `index` current (throws Usage when there is no such device); returns it.
int select_device(int index);
std::string device_name(int device);  // "NVIDIA H200 (sm_90, 139.8 GiB)"
struct MemoryInfo {
  size_t free = 0, total = 0;
};
MemoryInfo memory_info();  // of the current device

}  // namespace rayctl::inference::cuda
