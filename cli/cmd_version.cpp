// `rayctl version`: the binary's version and what it was built with.
#include "cli/command.h"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#ifndef RAYCTL_INFERENCE_ONLY
#include <libssh2.h>
#endif
#ifdef RAYCTL_HAVE_ICU
#include <unicode/uversion.h>
#endif

namespace rayctl::cli {

// The commit the binary was built from, with "-dirty" when tracked files had changes; written at
// every build by cli/build_stamp.cmake.
const char* build_commit();

// The versions of the libraries linked in, as they report themselves at run time where they can
// (a shared library upgraded under the binary shows its new version), else as compiled against.
static nlohmann::json library_versions() {
  nlohmann::json libs;
  libs["libcurl"] = curl_version_info(CURLVERSION_NOW)->version;
  libs["openssl"] = OpenSSL_version(OPENSSL_VERSION);
#ifndef RAYCTL_INFERENCE_ONLY
  libs["libssh2"] = libssh2_version(0);
#endif
  char pcre2[32] = {};
  pcre2_config(PCRE2_CONFIG_VERSION, pcre2);
  libs["pcre2"] = pcre2;
#ifdef RAYCTL_HAVE_ICU
  UVersionInfo icu;
  char icu_text[U_MAX_VERSION_STRING_LENGTH] = {};
  u_getVersion(icu);
  u_versionToString(icu, icu_text);
  libs["icu"] = icu_text;
#endif
  libs["yaml_cpp"] = RAYCTL_YAML_CPP_VERSION;
  libs["cli11"] = CLI11_VERSION;
  libs["fmt"] = fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100);
  libs["nlohmann_json"] =
      fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR, NLOHMANN_JSON_VERSION_PATCH);
  return libs;
}

static nlohmann::json version_info() {
  nlohmann::json j;
  j["version"] = RAYCTL_VERSION;
  j["commit"] = build_commit();
#ifdef RAYCTL_HAVE_CUDA
  j["cuda"] = true;
#else
  j["cuda"] = false;
#endif
  j["compiler"] = fmt::format("{} {}.{}.{}",
#if defined(__clang__)
                              "clang", __clang_major__, __clang_minor__, __clang_patchlevel__
#else
                              "gcc", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__
#endif
  );
  j["libraries"] = library_versions();
  return j;
}

void setup_version(CLI::App& root, CliContext& ctx) {
  auto* cmd = root.add_subcommand("version", "Print rayctl's version and build information");
  set_examples(cmd,
               "  rayctl version\n  rayctl version -o json   # {\"version\": ..., \"commit\": ..., \"cuda\": ...}");
  cmd->callback([&ctx] {
    auto info = version_info();
    auto f = ctx.format();
    if (f == OutputFormat::Table) {
      *ctx.io.out << "rayctl " << info["version"].get<std::string>() << " (commit " << info["commit"].get<std::string>()
                  << ", " << info["compiler"].get<std::string>() << ", CUDA "
                  << (info["cuda"].get<bool>() ? "yes" : "no") << ")\n";
    } else {
      print_data(*ctx.io.out, f, info);
    }
  });
}

}  // namespace rayctl::cli
