// --help text with the root's global flags repeated under "Global Flags:" in every
// subcommand's help, the way kubectl and gh show inherited flags.
#pragma once

#include <CLI/CLI.hpp>

namespace rayctl::cli {

// CLI11's formatter plus the inherited flags; set on the root before any subcommand is added
// (subcommands copy their parent's formatter when they are made).
class InheritedFlagsFormatter : public CLI::Formatter {
 public:
  std::string make_footer(const CLI::App* app) const override;
};

}  // namespace rayctl::cli
