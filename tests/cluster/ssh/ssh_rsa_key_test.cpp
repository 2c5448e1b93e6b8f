// RSA key files for rsa-sha2-256 signing (cluster/ssh/ssh_rsa_key.h, ssh_rsa_sha2.h) and the bcrypt
// KDF of OpenSSH's encrypted format (cluster/ssh/bcrypt_pbkdf.h), without a server. Keys are made by
// ssh-keygen in every format rayctl reads; each must give the same public key and the same
// signature (RSASSA-PKCS1-v1_5 is deterministic), and the signature is checked independently by
// the openssl command against the public key ssh-keygen exports. These tests are the ones the
// ASan/UBSan build runs over the OpenSSL code (parsing, decryption, signing, freeing).
#include "cluster/ssh/ssh_rsa_fallback.h"

#if RAYCTL_OWN_RSA_SHA2

#include "cluster/ssh/bcrypt_pbkdf.h"
#include "cluster/ssh/ssh_rsa_key.h"
#include "cluster/ssh/ssh_rsa_sha2.h"
#include "core/content_digest.h"
#include "core/process.h"
#include "core/state_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace rayctl {
namespace {

namespace fs = std::filesystem;

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Known answers from OpenBSD's bcrypt_pbkdf as published with pyca/bcrypt's kdf tests.
TEST(BcryptPbkdf, MatchesKnownAnswers) {
  EXPECT_EQ(hex(bcrypt_pbkdf("password", "salt", 32, 4)),
            "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9");
  EXPECT_EQ(hex(bcrypt_pbkdf("password", std::string(1, '\0'), 16, 4)), "c12b566235eee04c212598970a579a67");
}

TEST(BcryptPbkdf, RefusesWhatOpenBsdRefuses) {
  EXPECT_EQ(bcrypt_pbkdf("", "salt", 32, 4), "");
  EXPECT_EQ(bcrypt_pbkdf("pw", "", 32, 4), "");
  EXPECT_EQ(bcrypt_pbkdf("pw", "salt", 0, 4), "");
  EXPECT_EQ(bcrypt_pbkdf("pw", "salt", 32, 0), "");
  EXPECT_EQ(bcrypt_pbkdf("pw", "salt", 1025, 1), "");
  // Longer keys than one hash (32 bytes) are spread over several blocks: 48 bytes = AES-256 key + IV.
  std::string k = bcrypt_pbkdf("pw", "salt", 48, 2);
  EXPECT_EQ(k.size(), 48u);
  EXPECT_EQ(k, bcrypt_pbkdf("pw", "salt", 48, 2));
  EXPECT_NE(k, bcrypt_pbkdf("pw", "salt", 48, 3));
}

class RsaKeyFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!find_in_path("ssh-keygen")) return;
    dir_ = new fs::path(fs::temp_directory_path() / ("rayctl-rsakeys-" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    ASSERT_EQ(keygen({"-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "test", "-f", path("plain")}), 0);
  }
  static void TearDownTestSuite() {
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!dir_) GTEST_SKIP() << "ssh-keygen not installed";
  }

  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  static int keygen(std::vector<std::string> args) {
    ProcessSpec s;
    s.argv = {"ssh-keygen"};
    s.argv.insert(s.argv.end(), args.begin(), args.end());
    return run_process(s).exit_code;
  }
  // A copy of the plain key, re-saved by ssh-keygen with `extra` options (-m, -N, -Z, -a).
  static std::string copy_as(const std::string& name, std::vector<std::string> extra) {
    fs::copy_file(path("plain"), path(name), fs::copy_options::overwrite_existing);
    fs::permissions(path(name), fs::perms::owner_read | fs::perms::owner_write);
    std::vector<std::string> args = {"-q", "-p", "-P", "", "-f", path(name)};
    args.insert(args.end(), extra.begin(), extra.end());
    EXPECT_EQ(keygen(args), 0) << name;
    return read_file_or_throw(path(name));
  }
  static std::string public_blob() {
    std::string pub = read_file_or_throw(path("plain") + ".pub"), blob;
    size_t a = pub.find(' ') + 1, b = pub.find(' ', a);
    EXPECT_TRUE(base64_decode(pub.substr(a, b - a), blob));
    return blob;
  }
  // The openssl command verifies `sig` over `data` with the public key ssh-keygen exports.
  static bool openssl_verifies(const std::string& data, const std::string& sig) {
    if (!find_in_path("openssl")) return true;
    ProcessSpec e;
    e.argv = {"ssh-keygen", "-e", "-m", "PKCS8", "-f", path("plain") + ".pub"};
    ProcessResult pub = run_process(e);
    EXPECT_EQ(pub.exit_code, 0);
    std::ofstream(path("pub.pem")) << pub.out;
    std::ofstream(path("data.bin"), std::ios::binary) << data;
    std::ofstream(path("sig.bin"), std::ios::binary) << sig;
    ProcessSpec v;
    v.argv = {"openssl",       "dgst",       "-sha256",       "-verify",
              path("pub.pem"), "-signature", path("sig.bin"), path("data.bin")};
    return run_process(v).exit_code == 0;
  }

  static fs::path* dir_;
};
fs::path* RsaKeyFiles::dir_ = nullptr;

const std::string kData = "session id and userauth request bytes";
const unsigned char* bytes(const std::string& s) { return reinterpret_cast<const unsigned char*>(s.data()); }

TEST_F(RsaKeyFiles, EveryFormatGivesTheSameKeyAndAVerifiableSignature) {
  struct Case {
    std::string name, passphrase;
    std::vector<std::string> options;
  };
  std::vector<Case> cases = {
      {"openssh", "", {"-N", ""}},
      {"openssh-enc", "pass phrase", {"-N", "pass phrase", "-a", "4"}},  // ssh-keygen's default: aes256-ctr
      {"openssh-enc-default-rounds", "x", {"-N", "x"}},                  // 16 rounds
      {"openssh-aes128-cbc", "pw", {"-N", "pw", "-Z", "aes128-cbc", "-a", "2"}},
      {"openssh-aes192-ctr", "pw", {"-N", "pw", "-Z", "aes192-ctr", "-a", "2"}},
      {"openssh-aes256-gcm", "pw", {"-N", "pw", "-Z", "aes256-gcm@openssh.com", "-a", "2"}},
      {"pem", "", {"-N", "", "-m", "PEM"}},
      {"pem-enc", "pem pass", {"-N", "pem pass", "-m", "PEM"}},
      {"pkcs8-enc", "pkcs8 pass", {"-N", "pkcs8 pass", "-m", "PKCS8"}},
  };
  const std::string blob = public_blob();
  RsaPrivateKey plain = RsaPrivateKey::parse(read_file_or_throw(path("plain")), "");
  ASSERT_EQ(plain.problem(), RsaKeyProblem::None);
  const std::string want = plain.sign_sha256(bytes(kData), kData.size());
  ASSERT_EQ(want.size(), 256u);  // a 2048-bit modulus
  EXPECT_TRUE(openssl_verifies(kData, want));
  EXPECT_FALSE(openssl_verifies(kData + "x", want));
  for (const auto& c : cases) {
    std::string text = copy_as(c.name, c.options);
    RsaPrivateKey k = RsaPrivateKey::parse(text, c.passphrase);
    ASSERT_EQ(k.problem(), RsaKeyProblem::None) << c.name;
    EXPECT_EQ(k.public_blob(), blob) << c.name;
    EXPECT_EQ(k.sign_sha256(bytes(kData), kData.size()), want) << c.name;
    if (!c.passphrase.empty()) {
      EXPECT_EQ(RsaPrivateKey::parse(text, c.passphrase + "!").problem(), RsaKeyProblem::WrongPassphrase) << c.name;
      EXPECT_EQ(RsaPrivateKey::parse(text, "").problem(), RsaKeyProblem::WrongPassphrase) << c.name;
      EXPECT_TRUE(RsaPrivateKey::parse(text, "wrong").public_blob().empty()) << c.name;
    }
  }
}

TEST_F(RsaKeyFiles, OtherKeyTypesAndCiphersAreNamedNotMisread) {
  std::string chacha = copy_as("chacha", {"-N", "pw", "-Z", "chacha20-poly1305@openssh.com", "-a", "2"});
  RsaPrivateKey k = RsaPrivateKey::parse(chacha, "pw");
  EXPECT_EQ(k.problem(), RsaKeyProblem::UnsupportedCipher);
  EXPECT_EQ(k.cipher(), "chacha20-poly1305@openssh.com");
  EXPECT_EQ(k.sign_sha256(bytes(kData), kData.size()), "");
  ASSERT_EQ(keygen({"-q", "-t", "ed25519", "-N", "pw", "-a", "2", "-f", path("ed")}), 0);
  EXPECT_EQ(RsaPrivateKey::parse(read_file_or_throw(path("ed")), "pw").problem(), RsaKeyProblem::NotRsa);
  ASSERT_EQ(keygen({"-q", "-t", "ecdsa", "-N", "", "-m", "PEM", "-f", path("ec")}), 0);
  EXPECT_EQ(RsaPrivateKey::parse(read_file_or_throw(path("ec")), "").problem(), RsaKeyProblem::NotRsa);
  EXPECT_EQ(RsaPrivateKey::parse("not a key", "").problem(), RsaKeyProblem::Unreadable);
  EXPECT_EQ(RsaPrivateKey::parse("-----BEGIN OPENSSH PRIVATE KEY-----\n", "").problem(), RsaKeyProblem::Unreadable);
}

// Damaged files (cut short, bytes changed) must fail cleanly: never a key, never a crash or an
// out-of-bounds read (the ASan build runs this).
TEST_F(RsaKeyFiles, DamagedEncryptedFilesFailCleanly) {
  std::string text = copy_as("damaged", {"-N", "pw", "-a", "2"});
  const std::string begin = "-----BEGIN OPENSSH PRIVATE KEY-----\n", end = "-----END OPENSSH PRIVATE KEY-----\n";
  std::string body = text.substr(begin.size(), text.find(end) - begin.size()), raw;
  ASSERT_TRUE(base64_decode(body, raw));
  auto wrap = [&](const std::string& bin) { return begin + base64_encode(bin) + "\n" + end; };
  for (size_t cut : {size_t(10), size_t(20), size_t(60), raw.size() / 2, raw.size() - 17, raw.size() - 1}) {
    RsaPrivateKey k = RsaPrivateKey::parse(wrap(raw.substr(0, cut)), "pw");
    EXPECT_NE(k.problem(), RsaKeyProblem::None) << "cut at " << cut;
    EXPECT_TRUE(k.public_blob().empty());
  }
  // A damaged round count (ssh-keygen writes 16) must not make parsing take hours.
  auto u32_at = [&](size_t at) {
    return size_t(uint8_t(raw[at])) << 24 | size_t(uint8_t(raw[at + 1])) << 16 | size_t(uint8_t(raw[at + 2])) << 8 |
           uint8_t(raw[at + 3]);
  };
  size_t at = 15;        // after "openssh-key-v1\0"
  at += 4 + u32_at(at);  // cipher name
  at += 4 + u32_at(at);  // kdf name
  at += 4;               // kdf options: string salt, uint32 rounds
  size_t rounds_at = at + 4 + u32_at(at);
  ASSERT_EQ(u32_at(rounds_at), 2u);
  std::string slow = raw;
  for (int i = 0; i < 4; ++i) slow[rounds_at + size_t(i)] = char(0xff);
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(RsaPrivateKey::parse(wrap(slow), "pw").problem(), RsaKeyProblem::None);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  for (size_t at = 40; at < raw.size(); at += raw.size() / 23) {
    std::string bad = raw;
    bad[at] = char(bad[at] ^ 0x5a);
    RsaPrivateKey k = RsaPrivateKey::parse(wrap(bad), "pw");
    if (k.problem() == RsaKeyProblem::None) {  // a change outside the sealed key part leaves it intact
      EXPECT_EQ(k.public_blob(), RsaPrivateKey::parse(text, "pw").public_blob()) << "byte " << at;
    }
  }
}

TEST_F(RsaKeyFiles, Libssh2SignCallbackAllocatesWhatLibssh2Frees) {
  RsaPrivateKey k = RsaPrivateKey::parse(copy_as("cb", {"-N", "cb pass", "-a", "2"}), "cb pass");
  ASSERT_EQ(k.problem(), RsaKeyProblem::None);
  void* abstract = &k;
  unsigned char* sig = nullptr;
  size_t len = 0;
  ASSERT_EQ(rsa_sha2_sign_callback(nullptr, &sig, &len, bytes(kData), kData.size(), &abstract), 0);
  ASSERT_NE(sig, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(sig), len), k.sign_sha256(bytes(kData), kData.size()));
  std::free(sig);  // libssh2's default allocator
  RsaPrivateKey broken = RsaPrivateKey::parse("junk", "");
  abstract = &broken;
  sig = nullptr;
  EXPECT_EQ(rsa_sha2_sign_callback(nullptr, &sig, &len, bytes(kData), kData.size(), &abstract), -1);
  EXPECT_EQ(sig, nullptr);

  std::string named = rsa_sha2_named_blob(k.public_blob());
  EXPECT_EQ(named.substr(0, 16), std::string("\0\0\0\x0crsa-sha2-256", 16));
  EXPECT_EQ(named.substr(16), k.public_blob().substr(11));  // e and n unchanged after "ssh-rsa"
  EXPECT_EQ(rsa_sha2_named_blob(std::string("\0\0\0\x09ssh", 7)), "");
}

}  // namespace
}  // namespace rayctl

#endif  // RAYCTL_OWN_RSA_SHA2
