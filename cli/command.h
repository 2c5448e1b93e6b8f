// How subcommands plug into the rayctl binary. Each cli/cmd_<verb>.cpp declares its options
// with CLI11 and calls into a library; it registers itself with RAYCTL_COMMAND so that
// commands can be added without editing a shared list. main.cpp builds the app from the
// registry in `order`, handles global flags, and turns exceptions into exit codes.
#pragma once

#include "core/error.h"
#include "core/output.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace rayctl::cli {

// Options every command has (declared once in main.cpp).
struct GlobalOptions {
  std::string output = "table";  // -o table|json|yaml
  int verbose = 0;               // -v (repeatable)
  bool quiet = false;            // -q
  bool no_color = false;         // --no-color (NO_COLOR env also honoured)
};

// What a command receives instead of reaching for globals.
struct CliContext {
  IOStreams io;
  GlobalOptions global;
  int exit_code = 0;  // set by a command's callback; main returns it

  OutputFormat format() const { return parse_output_format(global.output); }
};

using CommandSetup = std::function<void(CLI::App& root, CliContext& ctx)>;

struct CommandEntry {
  int order;  // position in --help
  const char* name;
  CommandSetup setup;
};

std::vector<CommandEntry>& command_registry();

struct CommandRegistration {
  CommandRegistration(int order, const char* name, CommandSetup setup) {
    command_registry().push_back({order, name, std::move(setup)});
  }
};

// Registers `fn(CLI::App& root, CliContext& ctx)` as a top-level command.
#define RAYCTL_COMMAND(order, name, fn) \
  static ::rayctl::cli::CommandRegistration rayctl_cmd_reg_##fn(order, name, fn)

// Adds "Examples:" text to a command's --help footer.
void set_examples(CLI::App* cmd, const std::string& examples);
// Prints an Error for humans (stderr) or as JSON (stdout with -o json) and returns its exit code.
int report_error(CliContext& ctx, const Error& e);

}  // namespace rayctl::cli
