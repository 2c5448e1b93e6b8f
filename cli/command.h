// How subcommands plug into the rayctl binary. Each cli/cmd_<verb>.cpp declares its options
// with CLI11 and calls into a library through one setup_<verb> function (cli/commands.h);
// main.cpp lists them in a table, ninja-style, handles global flags, and turns exceptions into
// exit codes.
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

// Declares one top-level command (its flags and its callback) on the root app.
using CommandSetup = void (*)(CLI::App& root, CliContext& ctx);

// One row of the command table in main.cpp: the order of the rows is the order in --help.
struct CommandEntry {
  const char* name;
  CommandSetup setup;
};

// Adds "Examples:" text to a command's --help footer.
void set_examples(CLI::App* cmd, const std::string& examples);
// Prints an Error for humans (stderr) or as JSON (stdout with -o json) and returns its exit code.
int report_error(CliContext& ctx, const Error& e);

}  // namespace rayctl::cli
