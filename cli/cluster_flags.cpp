// Shared cluster-verb flags (see cluster_flags.h).
#include "cli/cluster_flags.h"

#include "cluster/kube/kube_health_print.h"

namespace rayctl::cli {

void add_kube_flags(CLI::App* cmd, ClusterRef& ref) {
  cmd->add_option("--kubeconfig", ref.kubeconfig,
                  "Kubernetes: kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)")
      ->type_name("FILE");
  cmd->add_option("--context", ref.context, "Kubernetes: kubeconfig context (default: current-context)")
      ->type_name("NAME");
  cmd->add_option("-n,--namespace", ref.namespace_, "Kubernetes: namespace (default: the context's, else default)")
      ->type_name("NS");
}

void add_timeout_flag(CLI::App* cmd, std::string& text, const std::string& what) {
  cmd->add_option("--timeout", text, what + " (a duration: 90s, 5m, 1h, or plain seconds; default " + text + ")")
      ->type_name("DURATION");
}

Confirmer terminal_confirmer(const IOStreams& io) {
  if (!io.in_tty || !io.err_tty) return {};
  return [io](const std::string& question) {
    *io.err << question << " [y/N] " << std::flush;
    std::string answer;
    std::getline(*io.in, answer);
    return answer == "y" || answer == "Y" || answer == "yes";
  };
}

void print_kube_report(CliContext& ctx, const RayObjectHealth& h, const nlohmann::json& extra) {
  if (ctx.format() == OutputFormat::Table) return print_kube_health(*ctx.io.out, h, Style{ctx.io.color});
  auto j = h.to_json();
  j.update(extra);
  print_data(*ctx.io.out, ctx.format(), j);
}

}  // namespace rayctl::cli
