// `rayctl version`: the binary's version and what it was built with.
#include "cli/command.h"

#include <curl/curl.h>
#include <fmt/format.h>

namespace rayctl::cli {

// The commit the binary was built from, with "-dirty" when tracked files had changes; written at
// every build by cli/build_stamp.cmake.
const char* build_commit();

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
  curl_version_info_data* cv = curl_version_info(CURLVERSION_NOW);
  j["libraries"] = {{"libcurl", cv->version},
                    {"fmt", fmt::format("{}.{}.{}", FMT_VERSION / 10000, FMT_VERSION / 100 % 100, FMT_VERSION % 100)},
                    {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                                  NLOHMANN_JSON_VERSION_PATCH)}};
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
