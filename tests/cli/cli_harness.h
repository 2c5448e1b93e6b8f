// Runs rayctl command lines in-process through run_rayctl (cli/app.h): string streams stand in
// for stdio, and the test chooses what they pretend to be connected to. No binary, no
// subprocess; tests that need a real terminal or a real process use RAYCTL_BINARY instead.
#pragma once

#include "cli/app.h"

#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace rayctl::cli::testing {

// The process rayctl believes it runs in.
struct FakeProcess {
  bool tty = false;    // stdin, stdout and stderr are terminals
  bool color = false;  // the terminal takes colour (before --no-color and NO_COLOR have their say)
  std::string stdin_text;
  std::map<std::string, std::string> env;  // the whole environment: empty unless the test sets it
};

// What a run left behind.
struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline CliResult run_cli(const std::vector<std::string>& args, const FakeProcess& process = {}) {
  std::ostringstream out, err;
  std::istringstream in(process.stdin_text);
  IOStreams io = IOStreams::capture(out, err);
  io.in = &in;
  io.out_tty = io.err_tty = io.in_tty = process.tty;
  io.color = process.color;
  auto env = [&process](const std::string& name) {
    auto it = process.env.find(name);
    return it == process.env.end() ? std::string() : it->second;
  };
  CliResult r;
  r.exit_code = run_rayctl(args, io, env);
  r.out = out.str();
  r.err = err.str();
  return r;
}

inline bool contains(const std::string& s, const std::string& needle) { return s.find(needle) != std::string::npos; }

}  // namespace rayctl::cli::testing
