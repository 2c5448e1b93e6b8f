// Known answers for the digests and encodings core takes from libcrypto and zlib: SHA-1 and
// SHA-256 (FIPS 180-2 examples), base64 (RFC 4648 section 10) and CRC-32 (the "check" value).
#include "core/content_digest.h"
#include "core/sha1_digest.h"
#include "core/zip_writer.h"

#include <gtest/gtest.h>

#include <string>

using namespace rayctl;

namespace {

const std::string k448Bits = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

std::string sha1_hex(std::string_view s) {
  auto d = sha1(s);
  return to_hex(d.data(), d.size());
}

}  // namespace

TEST(Sha1, FipsExamples) {
  EXPECT_EQ(sha1_hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha1_hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(sha1_hex(k448Bits), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

TEST(Sha1, MillionAsInPieces) {
  Sha1Digest d;
  std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) d.update(chunk);
  auto out = d.finish();
  EXPECT_EQ(to_hex(out.data(), out.size()), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

TEST(Sha256, FipsExamples) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(k448Bits), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, MillionAsInPiecesAndRawDigest) {
  Sha256 h;
  std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.update(chunk);
  auto d = h.digest();
  EXPECT_EQ(to_hex(d.data(), d.size()), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded) << plain;
    std::string back;
    EXPECT_TRUE(base64_decode(encoded, back)) << encoded;
    EXPECT_EQ(back, plain) << encoded;
  }
}

TEST(Base64, UnpaddedWhitespaceAndBadInput) {
  EXPECT_EQ(base64_encode("fo", false), "Zm8");
  EXPECT_EQ(base64_encode(std::string("\0\xff", 2)), "AP8=");
  std::string out;
  EXPECT_TRUE(base64_decode("Zm8", out));  // padding optional
  EXPECT_EQ(out, "fo");
  EXPECT_TRUE(base64_decode("Zm9v\nYmFy\r\n  Zg==\t", out));  // whitespace skipped (PEM-style lines)
  EXPECT_EQ(out, "foobarf");
  EXPECT_FALSE(base64_decode("Zm9v!", out));
  EXPECT_FALSE(base64_decode("Zm9vY", out));  // a lone sixth of a byte
}

TEST(Crc32, CheckValueAndContinuation) {
  EXPECT_EQ(crc32_of("123456789"), 0xCBF43926u);
  EXPECT_EQ(crc32_of("6789", crc32_of("12345")), 0xCBF43926u);
  EXPECT_EQ(crc32_of(""), 0u);
}
