// Sha1Digest: SHA-1 (FIPS 180-4) of bytes, incrementally, through libcrypto. Used where rayctl
// must reproduce a hash another tool computes (Ray's runtime-env package names); not for security.
#pragma once

#include "core/content_digest.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace rayctl {

class Sha1Digest {
 public:
  Sha1Digest() : d_(EvpDigest::Algorithm::Sha1) {}
  void update(std::string_view data) { d_.update(data); }
  std::array<uint8_t, 20> finish();  // the object must not be updated afterwards

 private:
  EvpDigest d_;
};

std::array<uint8_t, 20> sha1(std::string_view data);

}  // namespace rayctl
