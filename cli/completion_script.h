// Shell completion scripts generated from the live command tree, so they never drift from
// the binary: bash, zsh and fish. completions/ holds the generated copies that are installed;
// a test checks they match.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace rayctl::cli {

std::string completion_script(const CLI::App& root, const std::string& shell);

}  // namespace rayctl::cli
