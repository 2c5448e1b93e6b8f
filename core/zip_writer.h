// ZipWriter: builds a ZIP archive (PKWARE APPNOTE 6.3) in memory, entries stored without
// compression, with CRC-32, Unix modes and DOS timestamps. Enough for Python's zipfile and
// unzip to read it (Ray's runtime-env packages); no ZIP64, so at most 65535 entries / 4 GiB.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace rayctl {

// CRC-32 (the one ZIP and gzip use, through zlib); `crc` continues an earlier value.
uint32_t crc32_of(std::string_view data, uint32_t crc = 0);

class ZipWriter {
 public:
  // `name` uses '/' separators, relative, no leading '/'. `mode` is the Unix permission bits.
  void add_file(const std::string& name, std::string_view data, std::time_t mtime, unsigned mode = 0644);
  void add_directory(const std::string& name, std::time_t mtime, unsigned mode = 0755);  // name ends with '/'
  size_t entries() const { return count_; }
  // Appends the central directory and returns the archive; the writer is spent afterwards.
  std::string finish();

 private:
  void add_entry(const std::string& name, std::string_view data, std::time_t mtime, uint32_t external_attr);
  std::string out_;
  std::string central_;
  size_t count_ = 0;
};

}  // namespace rayctl
