// The root of the command tree: the command table, the global flags, and the one place where
// exceptions become documented exit codes.
#include "cli/app.h"

#include "cli/commands.h"
#include "cli/help_formatter.h"
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
    {"dashboard", setup_dashboard},
    {"doctor", setup_doctor},
    {"diff", setup_diff},
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
  app.formatter(std::make_shared<InheritedFlagsFormatter>());
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
  app.add_option("-o,--output", ctx.global.output,
                 "Output format: table, json or yaml (kubectl's wide is refused: json has every field)")
      ->check(CLI::IsMember({"table", "wide", "json", "yaml"}))
      ->type_name("FORMAT");
  app.add_flag("-v,--verbose", ctx.global.verbose, "More detail on stderr (repeatable)");
  app.add_flag("-q,--quiet", ctx.global.quiet, "Only errors and requested data");
  app.add_flag("--no-color", ctx.global.no_color, "No ANSI colours (also: NO_COLOR=1)");
  // Global flags are known once parsing completes; commands' callbacks run after this. They
  // adjust the streams the caller chose (real stdio or a test's), never replace them.
  app.parse_complete_callback([&ctx] {
    if (ctx.global.output == "wide")  // kubectl's spelling, refused rather than taken as table
      throw Error(ErrorKind::Usage, "-o wide adds no columns in rayctl",
                  "use -o json (or yaml): it has every field, node addresses and pod names included");
    if (ctx.global.no_color || !ctx.env("NO_COLOR").empty()) ctx.io.color = false;
    ctx.io.verbosity = ctx.global.quiet ? -1 : ctx.global.verbose;
  });
}

// The command the parser got furthest into: "rayctl serve" for `rayctl serve delpoy`.
const CLI::App* deepest_command(const CLI::App& app) {
  const CLI::App* at = &app;
  for (auto subs = at->get_subcommands(); !subs.empty(); subs = at->get_subcommands()) at = subs.front();
  return at;
}

// "rayctl serve" for the root's "serve" child: the words a user types to reach `cmd`.
std::string command_path(const CLI::App* cmd) {
  std::string path;
  for (; cmd != nullptr; cmd = cmd->get_parent())
    path = (cmd->get_name().empty() ? "rayctl" : cmd->get_name()) + (path.empty() ? "" : " " + path);
  return path;
}

// A word that names no command where a command was due ("rayctl valdate", "rayctl serve delpoy"),
// as a usage error with a did-you-mean; nullopt when the command took no subcommands there or
// every word was consumed.
std::optional<Error> unknown_command(const CLI::App& root) {
  const CLI::App* at = deepest_command(root);
  auto children = at->get_subcommands({});
  if (children.empty()) return std::nullopt;
  for (const auto& word : root.remaining(true)) {
    if (word.empty() || word[0] == '-') continue;
    std::vector<std::string> names;
    for (const auto* c : children) names.push_back(c->get_name());
    std::string near = closest_match(word, names);
    std::string list = command_path(at) + " --help lists every command";
    std::string hint = near.empty() ? list : fmt::format("did you mean '{}'? ({})", near, list);
    std::string where = at == &root ? "" : fmt::format(" for '{}'", command_path(at));
    return Error(ErrorKind::Usage, fmt::format("unknown command '{}'{}", word, where), hint);
  }
  return std::nullopt;
}

// CLI11's complaint as rayctl's usage error, so that it prints like every other error (and as
// JSON with -o json); the hint names the --help of the command it came from.
Error usage_error(const CLI::App& root, const CLI::ParseError& e) {
  if (auto unknown = unknown_command(root)) return *unknown;
  return Error(ErrorKind::Usage, e.what(),
               fmt::format("{} --help shows its usage", command_path(deepest_command(root))));
}

// The -o the user asked for, read from the words themselves: a parse error can come before
// CLI11 has stored the flag.
std::string requested_output(const std::vector<std::string>& args, const std::string& parsed) {
  std::string out = parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if ((a == "-o" || a == "--output") && i + 1 < args.size())
      out = args[i + 1];
    else if (a.rfind("--output=", 0) == 0)
      out = a.substr(9);
    else if (a.rfind("-o", 0) == 0 && a.size() > 2 && a[2] != '-')
      out = a.substr(2);
  }
  return out;
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
  } catch (const CLI::Success& e) {                                   // --help, --version
    return app.exit(e, *ctx.io.out, *ctx.io.err);
  } catch (const CLI::ParseError& e) {
    ctx.global.output = requested_output(args, ctx.global.output);
    return report_error(ctx, usage_error(app, e));
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
