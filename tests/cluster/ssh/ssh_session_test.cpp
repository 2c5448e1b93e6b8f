// SSH pieces that need no server: jump-host parsing, the cancellable command wrapper (run for
// real under bash), encrypted-key detection on keys made by ssh-keygen, and fingerprints.
// The transport against real sshd is covered by tests/integration/ssh (e2e.sh, faults.sh).
#include "cluster/ssh/ssh_session.h"
#include "cluster/ssh/ssh_auth.h"
#include "cluster/ssh/ssh_host_key.h"
#include "cluster/ssh/ssh_rsa_sha2.h"
#include "core/content_digest.h"
#include "core/error.h"
#include "core/process.h"
#include "core/state_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

namespace rayctl {
namespace {

TEST(SshJump, ParsesUserHostPort) {
  auto j = parse_ssh_jump("ops@bastion.example:2222", "root");
  EXPECT_EQ(j.user, "ops");
  EXPECT_EQ(j.host, "bastion.example");
  EXPECT_EQ(j.port, 2222);
  auto d = parse_ssh_jump("10.1.2.3", "ubuntu");
  EXPECT_EQ(d.user, "ubuntu");
  EXPECT_EQ(d.port, 22);
  EXPECT_THROW(parse_ssh_jump("u@h:notaport", "x"), Error);
}

TEST(SshCancel, CancelLineSignalsTheCommandButEofDoesNot) {
  auto t0 = std::chrono::steady_clock::now();
  ProcessSpec spec;
  spec.argv = {"bash", "-c", wrap_cancellable("sleep 30; echo finished")};
  spec.stdin_data = "cancel\n";
  spec.timeout = std::chrono::seconds(20);
  ProcessResult r = run_process(spec);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out.find("finished"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  spec.argv = {"bash", "-c", wrap_cancellable("sleep 0.2; echo finished")};
  spec.stdin_data = "";  // closed stdin (a dropped client) must not kill the command
  r = run_process(spec);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("finished"), std::string::npos);
}

TEST(SshKeys, DetectsPassphraseProtectedKeys) {
  if (!find_in_path("ssh-keygen")) GTEST_SKIP() << "ssh-keygen not installed";
  auto dir = std::filesystem::temp_directory_path() / ("rayctl-keys-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto make = [&](const std::string& name, const std::string& type, const std::string& pass) {
    std::string path = (dir / name).string();
    ProcessSpec s;
    s.argv = {"ssh-keygen", "-q", "-t", type, "-N", pass, "-f", path};
    EXPECT_EQ(run_process(s).exit_code, 0);
    return path;
  };
  EXPECT_FALSE(private_key_is_encrypted(make("plain", "ed25519", "")));
  EXPECT_TRUE(private_key_is_encrypted(make("locked", "ed25519", "secret-pass")));
  EXPECT_FALSE(private_key_is_encrypted(make("rsa", "rsa", "")));
  std::filesystem::remove_all(dir);
}

#if RAYCTL_OWN_RSA_SHA2  // is_rsa_key_blob exists for rayctl's own rsa-sha2-256 signing only
TEST(SshKeys, RecognisesRsaPublicKeyBlobs) {
  if (!find_in_path("ssh-keygen")) GTEST_SKIP() << "ssh-keygen not installed";
  auto dir = std::filesystem::temp_directory_path() / ("rayctl-blobs-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto blob_of = [&](const std::string& type) {
    std::string path = (dir / type).string();
    ProcessSpec s;
    s.argv = {"ssh-keygen", "-q", "-t", type, "-N", "", "-f", path};
    EXPECT_EQ(run_process(s).exit_code, 0);
    std::string pub = read_file_or_throw(path + ".pub"), blob;  // "ssh-rsa AAAA... comment"
    size_t a = pub.find(' ') + 1, b = pub.find(' ', a);
    EXPECT_TRUE(base64_decode(pub.substr(a, b - a), blob));
    return blob;
  };
  EXPECT_TRUE(is_rsa_key_blob(blob_of("rsa")));
  EXPECT_FALSE(is_rsa_key_blob(blob_of("ed25519")));
  EXPECT_FALSE(is_rsa_key_blob(std::string("\0\0\0\x07ssh-r", 9)));  // truncated
  std::filesystem::remove_all(dir);
}
#endif

TEST(SshHostKey, FingerprintIsOpenSshSha256Format) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string fp = ssh_fingerprint_sha256("abc");
  EXPECT_EQ(fp.rfind("SHA256:", 0), 0u);
  EXPECT_EQ(fp.find('='), std::string::npos);  // OpenSSH drops base64 padding
  EXPECT_EQ(fp, "SHA256:ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0");
}

}  // namespace
}  // namespace rayctl
