// `rayctl completion bash|zsh|fish`: prints a completion script for the shell; and the hidden
// `rayctl __complete KIND` those scripts call for names only this machine knows (recorded
// clusters, kubeconfig contexts, namespaces), one per line.
#include "cli/command.h"
#include "cli/completion_script.h"
#ifndef RAYCTL_INFERENCE_ONLY
#include "cluster/completion_names.h"
#endif

namespace rayctl::cli {

namespace {

#ifndef RAYCTL_INFERENCE_ONLY
// Hidden (no group): shells call it, people need not see it. It never fails: a completion that
// cannot be answered offers nothing, and the namespace list waits at most two seconds.
void setup_complete_names(CLI::App& root, CliContext& ctx) {
  struct Opts {
    std::string kind, kubeconfig, context;
  };
  auto o = std::make_shared<Opts>();
  auto* cmd = root.add_subcommand("__complete", "Names for shell completion")->group("");
  cmd->add_option("KIND", o->kind)->required()->check(CLI::IsMember({"clusters", "contexts", "namespaces"}));
  cmd->add_option("--kubeconfig", o->kubeconfig);
  cmd->add_option("--context", o->context);
  cmd->callback([o, &ctx] {
    std::vector<std::string> names;
    if (o->kind == "clusters")
      names = recorded_cluster_names(ClusterStateStore());
    else if (o->kind == "contexts")
      names = kube_context_names(o->kubeconfig);
    else
      names = kube_namespace_names(o->kubeconfig, o->context, std::chrono::seconds(2));
    for (const auto& n : names) *ctx.io.out << n << '\n';
  });
}
#endif

}  // namespace

void setup_completion(CLI::App& root, CliContext& ctx) {
  auto* cmd = root.add_subcommand("completion", "Print a shell completion script (bash, zsh or fish)");
  auto shell = std::make_shared<std::string>();
  cmd->add_option("shell", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  set_examples(cmd,
               "  source <(rayctl completion bash)\n"
               "  rayctl completion zsh > \"${fpath[1]}/_rayctl\"\n"
               "  rayctl completion fish > ~/.config/fish/completions/rayctl.fish\n"
               "Values are completed too: recorded cluster names, kubeconfig contexts and namespaces\n"
               "(asked of the API server, two seconds at most), --device, --component, --to.");
  cmd->callback([&root, &ctx, shell] { *ctx.io.out << completion_script(root, *shell); });
#ifndef RAYCTL_INFERENCE_ONLY
  setup_complete_names(root, ctx);
#endif
}

}  // namespace rayctl::cli
