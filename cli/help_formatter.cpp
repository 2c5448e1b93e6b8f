// Help text with inherited global flags (see help_formatter.h).
#include "cli/help_formatter.h"

namespace rayctl::cli {

std::string InheritedFlagsFormatter::make_footer(const CLI::App* app) const {
  const CLI::App* root = app;
  while (root->get_parent() != nullptr) root = root->get_parent();
  std::string inherited;
  if (root != app) {
    auto globals = root->get_options([](const CLI::Option* opt) {
      return opt->get_name() != "--help" && opt->get_name() != "--version" && !opt->get_group().empty();
    });
    if (!globals.empty()) inherited = make_group("Global Flags", false, globals);
    if (!inherited.empty() && inherited.front() == '\n') inherited.erase(0, 1);  // one blank line, not two
  }
  return inherited + CLI::Formatter::make_footer(app);
}

}  // namespace rayctl::cli
