// Sha1Digest over libcrypto (see sha1_digest.h).
#include "core/sha1_digest.h"

#include <algorithm>
#include <cstring>

namespace rayctl {

std::array<uint8_t, 20> Sha1Digest::finish() {
  std::string raw = d_.finish();
  std::array<uint8_t, 20> out{};
  std::memcpy(out.data(), raw.data(), std::min(raw.size(), out.size()));
  return out;
}

std::array<uint8_t, 20> sha1(std::string_view data) {
  Sha1Digest d;
  d.update(data);
  return d.finish();
}

}  // namespace rayctl
