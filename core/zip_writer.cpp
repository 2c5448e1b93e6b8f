// ZipWriter: local headers, data, central directory, end record.
#include "core/zip_writer.h"

#include "core/error.h"

#include <zlib.h>

#include <utility>

namespace rayctl {

namespace {

void put16(std::string& s, uint32_t v) {
  s += char(v & 0xff);
  s += char((v >> 8) & 0xff);
}
void put32(std::string& s, uint32_t v) {
  put16(s, v & 0xffff);
  put16(s, v >> 16);
}

// MS-DOS date and time (local time, 2-second resolution; 1980 at the earliest).
std::pair<uint16_t, uint16_t> dos_time(std::time_t t) {
  std::tm tm{};
  localtime_r(&t, &tm);
  if (tm.tm_year < 80) return {0, (0 << 9) | (1 << 5) | 1};
  uint16_t time = uint16_t((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec / 2));
  uint16_t date = uint16_t(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
  return {time, date};
}

}  // namespace

uint32_t crc32_of(std::string_view data, uint32_t crc) {
  return uint32_t(crc32_z(crc, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

void ZipWriter::add_entry(const std::string& name, std::string_view data, std::time_t mtime, uint32_t external_attr) {
  if (count_ >= 0xffff || out_.size() + data.size() + name.size() + 64 > 0xffffffffull)
    throw Error(ErrorKind::Invalid, "the package is too large for a zip without ZIP64 (65535 entries / 4 GiB)",
                "exclude large files with runtime_env.excludes or a .rayignore file");
  auto [time, date] = dos_time(mtime);
  uint32_t crc = crc32_of(data);
  uint32_t offset = uint32_t(out_.size());
  const uint16_t flags = 0x0800;  // names are UTF-8
  // Local file header.
  put32(out_, 0x04034b50);
  put16(out_, 20);  // version needed: 2.0
  put16(out_, flags);
  put16(out_, 0);  // method: stored
  put16(out_, time);
  put16(out_, date);
  put32(out_, crc);
  put32(out_, uint32_t(data.size()));
  put32(out_, uint32_t(data.size()));
  put16(out_, uint32_t(name.size()));
  put16(out_, 0);
  out_ += name;
  out_.append(data);
  // Central directory record.
  put32(central_, 0x02014b50);
  put16(central_, (3 << 8) | 20);  // made by: Unix, 2.0
  put16(central_, 20);
  put16(central_, flags);
  put16(central_, 0);
  put16(central_, time);
  put16(central_, date);
  put32(central_, crc);
  put32(central_, uint32_t(data.size()));
  put32(central_, uint32_t(data.size()));
  put16(central_, uint32_t(name.size()));
  put16(central_, 0);  // extra
  put16(central_, 0);  // comment
  put16(central_, 0);  // disk
  put16(central_, 0);  // internal attributes
  put32(central_, external_attr);
  put32(central_, offset);
  central_ += name;
  ++count_;
}

void ZipWriter::add_file(const std::string& name, std::string_view data, std::time_t mtime, unsigned mode) {
  add_entry(name, data, mtime, (uint32_t(0100000 | (mode & 07777)) << 16));
}

void ZipWriter::add_directory(const std::string& name, std::time_t mtime, unsigned mode) {
  std::string n = name.empty() || name.back() == '/' ? name : name + "/";
  add_entry(n, {}, mtime, (uint32_t(0040000 | (mode & 07777)) << 16) | 0x10);
}

std::string ZipWriter::finish() {
  uint32_t cd_offset = uint32_t(out_.size());
  out_ += central_;
  put32(out_, 0x06054b50);
  put16(out_, 0);
  put16(out_, 0);
  put16(out_, uint32_t(count_));
  put16(out_, uint32_t(count_));
  put32(out_, uint32_t(central_.size()));
  put32(out_, cd_offset);
  put16(out_, 0);
  central_.clear();
  return std::move(out_);
}

}  // namespace rayctl
