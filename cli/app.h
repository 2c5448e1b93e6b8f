// rayctl as a library call: one command line in, an exit status out, all text through the
// given streams. main.cpp hands it the process's stdio; tests hand it string streams and run
// commands in-process. It does not hold the commands themselves (cli/cmd_<verb>.cpp).
#pragma once

#include "cli/command.h"
#include "core/output.h"

#include <span>
#include <string>
#include <vector>

namespace rayctl::cli {

// Every top-level command, in --help order (the rows depend on RAYCTL_INFERENCE_ONLY).
std::span<const CommandEntry> command_table();

// Builds a fresh root CLI::App from command_table(), parses `args` (without the program name),
// runs the chosen command and returns its documented exit status; errors become exit codes
// here, never exceptions. `io` decides TTY and colour; --no-color, NO_COLOR (read through
// `env`), -q and -v adjust a copy of it.
int run_rayctl(const std::vector<std::string>& args, const IOStreams& io, const EnvLookup& env = process_env);

}  // namespace rayctl::cli
