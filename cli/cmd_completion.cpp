// `rayctl completion bash|zsh|fish`: prints a completion script for the shell.
#include "cli/command.h"
#include "cli/completion_script.h"

namespace rayctl::cli {

void setup_completion(CLI::App& root, CliContext& ctx) {
  auto* cmd = root.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
  auto shell = std::make_shared<std::string>();
  cmd->add_option("shell", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  set_examples(cmd,
               "  source <(rayctl completion bash)\n"
               "  rayctl completion zsh > \"${fpath[1]}/_rayctl\"\n"
               "  rayctl completion fish > ~/.config/fish/completions/rayctl.fish");
  cmd->callback([&root, &ctx, shell] { *ctx.io.out << completion_script(root, *shell); });
}

}  // namespace rayctl::cli
