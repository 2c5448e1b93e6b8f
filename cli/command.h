// How subcommands plug into rayctl. Each cli/cmd_<verb>.cpp declares its options with CLI11
// and calls into a library through one setup_<verb> function (cli/commands.h); cli/app.cpp
// lists them in a table, ninja-style, handles global flags, and turns exceptions into exit codes.
#pragma once

#include "core/error.h"
#include "core/output.h"

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace rayctl::cli {

// Reads an environment variable, "" when unset: the process's in the binary, a map in tests.
using EnvLookup = std::function<std::string(const std::string& name)>;
std::string process_env(const std::string& name);

// Options every command has (declared once in cli/app.cpp).
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
  EnvLookup env = process_env;
  int exit_code = 0;  // set by a command's callback; run_rayctl returns it

  OutputFormat format() const { return parse_output_format(global.output); }
};

// Declares one top-level command (its flags and its callback) on the root app.
using CommandSetup = void (*)(CLI::App& root, CliContext& ctx);

// One row of the command table in cli/app.cpp: the order of the rows is the order in --help.
struct CommandEntry {
  const char* name;
  CommandSetup setup;
};

// Adds "Examples:" text to a command's --help footer.
void set_examples(CLI::App* cmd, const std::string& examples);
// Prints an Error on stderr, for humans or as {"error": ...} with -o json|yaml (gh, kubectl: data
// on stdout, errors on stderr), after flushing stdout; returns its exit code.
int report_error(CliContext& ctx, const Error& e);

}  // namespace rayctl::cli
