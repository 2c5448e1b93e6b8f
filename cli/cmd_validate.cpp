// `rayctl validate FILE... [--cluster FILE] [--strict]`: load and check launcher files, Serve
// configs and KubeRay manifests; print compiler-style diagnostics (or -o json / yaml).
#include "cli/command.h"
#include "serve/config/config_validation.h"

#include <fmt/format.h>

namespace rayctl::cli {

namespace {

struct ValidateOptions {
  std::vector<std::string> files;
  std::string cluster;
  bool strict = false;
};

void run_validate(CliContext& ctx, const ValidateOptions& o) {
  ValidationOptions vo;
  if (!o.cluster.empty()) vo.cluster_file = o.cluster;
  ValidationResult r = validate_config_files(o.files, vo);
  size_t errors = r.diagnostics.error_count(), warnings = r.diagnostics.warning_count();
  bool failed = errors > 0 || (o.strict && warnings > 0);
  auto f = ctx.format();
  if (f != OutputFormat::Table) {
    nlohmann::json docs = nlohmann::json::array();
    for (const auto& d : r.documents)
      docs.push_back({{"file", d.file}, {"index", d.index}, {"kind", config_kind_name(d.kind)}});
    print_data(*ctx.io.out, f,
               {{"files", r.files},
                {"documents", docs},
                {"diagnostics", to_json(r.diagnostics)},
                {"errors", errors},
                {"warnings", warnings},
                {"ok", !failed}});
  } else {
    RenderOptions ro{ctx.io.color, ctx.io.out_tty};
    render_diagnostics(*ctx.io.out, r.diagnostics, r.sources, ro);
    Style st{ctx.io.color};
    std::string summary =
        fmt::format("{} file{}: {} error{}, {} warning{}", r.files.size(), r.files.size() == 1 ? "" : "s", errors,
                    errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
    if (!failed)
      say_info(ctx.io, st.green("ok") + " " + summary);
    else
      *ctx.io.err << st.red("failed") << ' ' << summary << (errors == 0 ? " (--strict)" : "") << '\n';
  }
  ctx.exit_code = failed ? static_cast<int>(ExitCode::Error) : 0;
}

}  // namespace

void setup_validate(CLI::App& root, CliContext& ctx) {
  auto opts = std::make_shared<ValidateOptions>();
  auto* cmd =
      root.add_subcommand("validate", "Check launcher files, Serve configs and KubeRay manifests before anything runs");
  cmd->add_option("FILE", opts->files, "Files to check (multi-document YAML allowed)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--cluster", opts->cluster,
                  "Check Serve configs against this cluster (launcher file, RayCluster or RayService)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--strict", opts->strict, "Fail on warnings too");
  set_examples(cmd,
               "  rayctl validate manifests/kuberay/rayservice-rag.yaml\n"
               "  rayctl validate serve.yaml --cluster manifests/cluster/onprem.yaml\n"
               "  rayctl validate --strict -o json manifests/kuberay/*.yaml\n"
               "Exit status: 0 clean, 1 errors (or warnings with --strict), 2 bad command line.\n"
               "Every check is listed in man rayctl-validate.");
  cmd->callback([&ctx, opts] { run_validate(ctx, *opts); });
}

}  // namespace rayctl::cli
