// rayctl's entry point: builds the command tree from the table below, applies the global
// flags, runs the chosen command and turns errors into documented exit codes.
#include "cli/commands.h"

using namespace rayctl;
using namespace rayctl::cli;

namespace {

// Every top-level command, in --help order. Builds without libssh2 (RAYCTL_INFERENCE_ONLY)
// have only the commands that need no cluster library.
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

}  // namespace

int main(int argc, char** argv) {
  CliContext ctx;
  ctx.io = IOStreams::system(false);

  CLI::App app{"rayctl — one binary for the whole life of a Ray serving cluster:\n"
               "validate and render configs, bring clusters up and down over SSH or Kubernetes,\n"
               "deploy Ray Serve apps and run the bundled LLM inference worker."};
  app.name("rayctl");
  app.require_subcommand(0, 1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("rayctl ") + RAYCTL_VERSION);
  app.add_option("-o,--output", ctx.global.output, "Output format: table, json or yaml")
      ->check(CLI::IsMember({"table", "wide", "json", "yaml"}))
      ->type_name("FORMAT");
  app.add_flag("-v,--verbose", ctx.global.verbose, "More detail on stderr (repeatable)");
  app.add_flag("-q,--quiet", ctx.global.quiet, "Only errors and requested data");
  app.add_flag("--no-color", ctx.global.no_color, "No ANSI colours (also: NO_COLOR=1)");
  app.footer(
      "\nExit status: 0 ok, 1 error, 2 usage, 3 pending, 4 unhealthy/failed, 5 timeout,\n"
      "6 unreachable, 7 auth/host key, 8 conflict/lock held, 130 interrupted (man rayctl).\n"
      "\nExamples:\n"
      "  rayctl validate manifests/kuberay/rayservice-rag.yaml\n"
      "  rayctl up manifests/cluster/local.yaml\n"
      "  rayctl serve deploy manifests/serve/rag.yaml --address http://127.0.0.1:8265\n"
      "  rayctl inference run --model model.gguf \"What is Ray Serve?\"");

  // Global flags are known once parsing completes; commands' callbacks run after this.
  app.parse_complete_callback([&] {
    ctx.io = IOStreams::system(ctx.global.no_color);
    ctx.io.verbosity = ctx.global.quiet ? -1 : ctx.global.verbose;
  });

  for (const auto& command : kCommands) command.setup(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : static_cast<int>(ExitCode::Usage);
  } catch (const Error& e) {
    return report_error(ctx, e);
  } catch (const std::exception& e) {
    return report_error(ctx, Error(ErrorKind::Internal, e.what(), "this is a bug in rayctl; please report it with the command you ran"));
  }
  if (argc == 1) {
    *ctx.io.out << app.help();
    return static_cast<int>(ExitCode::Usage);
  }
  return ctx.exit_code;
}
