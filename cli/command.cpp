// The shared --help footer, error printer and environment lookup.
#include "cli/command.h"

#include <fmt/format.h>

#include <cstdlib>

namespace rayctl::cli {

std::string process_env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

void set_examples(CLI::App* cmd, const std::string& examples) { cmd->footer("\nExamples:\n" + examples); }

int report_error(CliContext& ctx, const Error& e) {
  int code = static_cast<int>(exit_code_for(e.kind()));
  ctx.io.out->flush();  // whatever data came before the error stays before it in a shared log
  if (ctx.global.output == "json" || ctx.global.output == "yaml") {
    print_data(*ctx.io.err, ctx.format(), {{"error", to_json(e)}});
    return code;
  }
  Style st{ctx.io.color};
  std::string where = e.loc().file.empty() ? std::string("rayctl") : e.loc().str();
  std::string subject = e.subject().empty() ? "" : e.subject() + ": ";
  *ctx.io.err << st.bold(where) << ": " << st.red("error:") << ' ' << subject << e.message() << '\n';
  if (e.loc().known() && ctx.io.err_tty) {
    SourceCache cache;
    if (auto line = cache.line(e.loc().file, e.loc().line)) {
      *ctx.io.err << "  " << *line << '\n'
                  << "  " << std::string(std::max(0, e.loc().column - 1), ' ') << st.red("^") << '\n';
    }
  }
  if (!e.hint().empty()) *ctx.io.err << "  " << st.green("hint:") << ' ' << e.hint() << '\n';
  return code;
}

}  // namespace rayctl::cli
