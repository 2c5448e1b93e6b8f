// mmap-backed and copied byte buffers for the model readers.
#include "inference/model/mapped_file.h"

#include "core/error.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

namespace rayctl::inference {

MappedBytes* MappedBytes::map_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    throw Error(err == ENOENT ? ErrorKind::NotFound : ErrorKind::Io, path + ": cannot open: " + std::strerror(err),
                err == ENOENT ? "check the --model path" : "check the file's permissions");
  }
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(ErrorKind::Io, path + ": not a regular file", "pass the model file itself");
  }
  auto* m = new MappedBytes();
  m->size = size_t(st.st_size);
  if (m->size > 0) {
    void* p = mmap(nullptr, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      delete m;
      throw Error(ErrorKind::Io, path + ": mmap failed: " + std::strerror(err));
    }
    m->mapping_ = p;
    m->data = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  return m;
}

MappedBytes* MappedBytes::copy_of(std::string_view bytes) {
  auto* m = new MappedBytes();
  m->owned_.assign(bytes.data(), bytes.size());
  m->data = reinterpret_cast<const uint8_t*>(m->owned_.data());
  m->size = m->owned_.size();
  return m;
}

MappedBytes::~MappedBytes() {
  if (mapping_) munmap(mapping_, size);
}

}  // namespace rayctl::inference
