// `rayctl diff FILE [TARGET]`: what applying FILE would change, classified (inspect/diff/diff.h).
// Humans get one line per change with its effect and reason; -o json is DiffReport::to_json
// (man rayctl-diff). Exit status follows kubectl diff: 0 no change, 1 changes, >1 an error —
// so errors that rayctl reports with 1 elsewhere are reported with 2 here.
#include "cli/cluster_flags.h"
#include "cli/commands.h"
#include "inspect/diff/diff.h"

#include <algorithm>

namespace rayctl::cli {
namespace {

struct DiffCommand {
  DiffTarget target;

  void run(CliContext& ctx) {
    DiffReport r;
    try {
      r = run_diff(target, ctx.env, ctx.io);
    } catch (const Error& e) {
      ctx.exit_code = std::max(2, report_error(ctx, e));
      return;
    } catch (const std::exception& e) {  // not an Error: still an error, not "changes"
      ctx.exit_code = std::max(2, report_error(ctx, Error(ErrorKind::Internal, e.what())));
      return;
    }
    if (ctx.format() != OutputFormat::Table)
      print_data(*ctx.io.out, ctx.format(), r.to_json());
    else
      print_diff_report(*ctx.io.out, r, Style{ctx.io.color});
    ctx.exit_code = r.has_changes() ? 1 : 0;
  }
};

}  // namespace

void setup_diff(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<DiffCommand>();
  auto* cmd = root.add_subcommand(
      "diff", "Show what applying a file would change, and how: in place, a new cluster, ignored, restarts");
  cmd->add_option("FILE", c->target.file, "RayService or RayCluster manifest, launcher YAML, or Serve config")
      ->required();
  cmd->add_option("TARGET", c->target.ref.target,
                  "What to compare with (default: what the file names): cluster name, launcher YAML, "
                  "raycluster/NAME, rayservice/NAME; for a Serve config the cluster whose dashboard to ask");
  add_kube_flags(cmd, c->target.ref);
  cmd->add_option("--address", c->target.address.address,
                  "Serve configs: the Ray dashboard URL (else $RAY_DASHBOARD_ADDRESS, else http://127.0.0.1:8265)");
  cmd->add_option("--token-file", c->target.address.token_file,
                  "File with the dashboard's auth token (else $RAY_AUTH_TOKEN, $RAY_AUTH_TOKEN_PATH)");
  cmd->add_flag("--merge", c->target.merge, "Serve configs: live applications the file leaves out are kept");
  set_examples(cmd,
               "  rayctl diff rayservice.yaml\n  rayctl diff raycluster.yaml raycluster/demo -n ray -o json\n"
               "  rayctl diff cluster.yaml\n  rayctl diff serve.yaml --address http://127.0.0.1:8265\n"
               "Exit status: 0 no changes, 1 changes (even ones the operator ignores), 2 or more an error.");
  cmd->callback([c, &ctx] { c->run(ctx); });
}

}  // namespace rayctl::cli
