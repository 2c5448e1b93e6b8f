// The root of the command tree: the command table, the global flags, and the one place where
// exceptions become documented exit codes.
#include "cli/app.h"

#include "cli/commands.h"
#include "core/suggest.h"

#include <fmt/format.h>

#include <optional>

namespace rayctl::cli {

namespace {

// Builds without libssh2 (RAYCTL_INFERENCE_ONLY) have only the commands that need no cluster library.
const CommandEntry kCommands[] = {
#ifndef RAYCTL_INFERENCE_ONLY
    {"validate", setup_validate},
    {"render", setup_render},
#endif
    {"inference", setup_inference},
#ifndef RAYCTL_INFERENCE_ONLY
    {"up", setup_up},
    {"down", setup_down},
    {"exec", setup_exec},
    {"attach", setup_attach},
    {"logs", setup_logs},
    {"status", setup_status},
    {"serve", setup_serve},
#endif
    {"version", setup_version},
    {"completion", setup_completion},
};

void describe_root(CLI::App& app) {
  app.description(
      "rayctl — one binary for the whole life of a Ray serving cluster:\n"
      "validate and render configs, bring clusters up and down over SSH or Kubernetes,\n"
      "deploy Ray Serve apps and run the bundled LLM inference worker.");
  app.name("rayctl");
  app.require_subcommand(0, 1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("rayctl ") + RAYCTL_VERSION);
  app.footer(
      "\nExit status: 0 ok, 1 error, 2 usage, 3 pending, 4 unhealthy/failed, 5 timeout,\n"
      "6 unreachable, 7 auth/host key, 8 conflict/lock held, 130 interrupted (man rayctl).\n"
      "\nExamples:\n"
      "  rayctl validate manifests/kuberay/rayservice-rag.yaml\n"
      "  rayctl up manifests/cluster/local.yaml\n"
      "  rayctl serve deploy manifests/serve/rag.yaml --address http://127.0.0.1:8265\n"
      "  rayctl inference run --model model.gguf \"What is Ray Serve?\"");
}

void add_global_flags(CLI::App& app, CliContext& ctx) {
  app.add_option("-o,--output", ctx.global.output, "Output format: table, json or yaml")
      ->check(CLI::IsMember({"table", "wide", "json", "yaml"}))
      ->type_name("FORMAT");
  app.add_flag("-v,--verbose", ctx.global.verbose, "More detail on stderr (repeatable)");
  app.add_flag("-q,--quiet", ctx.global.quiet, "Only errors and requested data");
  app.add_flag("--no-color", ctx.global.no_color, "No ANSI colours (also: NO_COLOR=1)");
  // Global flags are known once parsing completes; commands' callbacks run after this. They
  // adjust the streams the caller chose (real stdio or a test's), never replace them.
  app.parse_complete_callback([&ctx] {
    if (ctx.global.no_color || !ctx.env("NO_COLOR").empty()) ctx.io.color = false;
    ctx.io.verbosity = ctx.global.quiet ? -1 : ctx.global.verbose;
  });
}

// A first word that names no command ("rayctl valdate ..."), as a usage error with a
// did-you-mean; nullopt when the extra arguments came after a command instead.
std::optional<Error> unknown_command(const CLI::App& app) {
  if (!app.get_subcommands().empty()) return std::nullopt;
  for (const auto& word : app.remaining()) {
    if (word.empty() || word[0] == '-') continue;
    std::vector<std::string> names;
    for (const auto& c : command_table()) names.emplace_back(c.name);
    std::string near = closest_match(word, names);
    std::string hint = near.empty() ? "rayctl --help lists every command"
                                    : fmt::format("did you mean '{}'? (rayctl --help lists every command)", near);
    return Error(ErrorKind::Usage, fmt::format("unknown command '{}'", word), hint);
  }
  return std::nullopt;
}

}  // namespace

std::span<const CommandEntry> command_table() { return kCommands; }

int run_rayctl(const std::vector<std::string>& args, const IOStreams& io, const EnvLookup& env) {
  CliContext ctx;
  ctx.io = io;
  ctx.env = env;
  CLI::App app;
  describe_root(app);
  add_global_flags(app, ctx);
  for (const auto& command : command_table()) command.setup(app, ctx);

  try {
    app.parse(std::vector<std::string>(args.rbegin(), args.rend()));  // CLI11 consumes it from the back
  } catch (const CLI::ExtrasError& e) {
    if (auto unknown = unknown_command(app)) return report_error(ctx, *unknown);
    app.exit(e, *ctx.io.out, *ctx.io.err);
    return static_cast<int>(ExitCode::Usage);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e, *ctx.io.out, *ctx.io.err);
    return code == 0 ? 0 : static_cast<int>(ExitCode::Usage);
  } catch (const Error& e) {
    return report_error(ctx, e);
  } catch (const std::exception& e) {
    return report_error(ctx, Error(ErrorKind::Internal, e.what(),
                                   "this is a bug in rayctl; please report it with the command you ran"));
  }
  if (args.empty()) {
    *ctx.io.out << app.help();
    return static_cast<int>(ExitCode::Usage);
  }
  return ctx.exit_code;
}

}  // namespace rayctl::cli
