// `rayctl doctor TARGET [--app NAME] [--path PATH]... [-o json]`: the layer-by-layer health walk
// (inspect/doctor/doctor.h). Humans get one line per layer, the broken layer's checks with their
// evidence and fix, and -v every check; -o json is DoctorReport::to_json (man rayctl-doctor).
#include "cli/cluster_flags.h"
#include "cli/commands.h"
#include "core/duration.h"
#include "inspect/doctor/doctor.h"

#include <fmt/format.h>

#include <map>

namespace rayctl::cli {
namespace {

struct DoctorCommand {
  DoctorTarget target;
  DoctorOptions opt;
  std::string check_timeout = "5s";

  void run(CliContext& ctx) {
    opt.check_timeout = parse_duration(check_timeout, "--check-timeout");
    CancelFlag cancel;
    InterruptGuard guard(cancel);
    DoctorReport r = run_doctor(target, opt, ctx.env, ctx.io, cancel);
    if (ctx.format() != OutputFormat::Table)
      print_data(*ctx.io.out, ctx.format(), r.to_json());
    else
      print_human(ctx, r);
    ctx.exit_code = static_cast<int>(r.exit_code());
  }

  static std::string state_word(const Style& st, const std::string& state) {
    if (state == "ok") return st.green("ok");
    if (state == "warn") return st.yellow("warn");
    if (state == "fail") return st.red("FAIL");
    return st.dim("-");
  }

  static void print_check(std::ostream& os, const Style& st, const CheckResult& c) {
    os << "    " << state_word(st, check_state_name(c.state)) << " " << st.bold(c.id) << " " << c.title
       << (c.subject.empty() ? "" : " [" + c.subject + "]") << ": " << c.summary << "\n";
    for (const auto& e : c.evidence) os << "         " << st.dim("| ") << e << "\n";
    if (!c.fix.empty()) os << "         fix: " << c.fix << "\n";
  }

  static void print_human(CliContext& ctx, const DoctorReport& r) {
    std::ostream& os = *ctx.io.out;
    Style st{ctx.io.color};
    auto j = r.to_json();
    os << "Doctor: " << r.target << " (" << r.provider << ")\n";
    bool verbose = ctx.io.verbosity > 0;
    for (const auto& layer : j["layers"]) {
      std::string name = layer["name"], state = layer["state"];
      auto l = *parse_layer(name);
      int n = 0;
      std::string last_ok;
      for (const auto& c : r.checks)
        if (c.layer == l) ++n, last_ok = c.summary;
      std::string what = state == "not-checked" ? "not checked (a layer before it is broken)"
                         : n == 1               ? last_ok
                                                : fmt::format("{} checks", n);
      os << fmt::format("  {:<10} ", name) << state_word(st, state) << "  " << what << "\n";
      for (const auto& c : r.checks)
        if (c.layer == l && (verbose || c.state != CheckState::Ok)) print_check(os, st, c);
    }
    if (const CheckResult* f = r.first_failure())
      os << fmt::format("Broken: the {} layer ({} {}). Checked in {:.2f} s.\n", layer_name(f->layer), f->id, f->title,
                        r.seconds);
    else
      os << fmt::format("Healthy: every layer passed its checks in {:.2f} s.\n", r.seconds);
  }
};

}  // namespace

void setup_doctor(CLI::App& root, CliContext& ctx) {
  auto c = std::make_shared<DoctorCommand>();
  auto* cmd = root.add_subcommand(
      "doctor", "Walk a cluster's layers outside in and name the first broken one, with evidence and the fix");
  cmd->add_option("TARGET", c->target.ref.target,
                  "Launcher YAML, cluster name, KubeRay manifest, raycluster/NAME or rayservice/NAME");
  add_kube_flags(cmd, c->target.ref);
  cmd->add_option("--address", c->target.address.address,
                  "A Ray dashboard URL to check instead of a TARGET (its Serve and application layers)");
  cmd->add_option("--token-file", c->target.address.token_file,
                  "File with the dashboard's auth token (else $RAY_AUTH_TOKEN, $RAY_AUTH_TOKEN_PATH)");
  cmd->add_option("--app", c->opt.app, "Check only this Serve application (it must be deployed)");
  cmd->add_option("--path", c->opt.paths, "Also request this route on the Serve proxy (repeatable): /v1/chat")
      ->type_name("PATH");
  cmd->add_option("--check-timeout", c->check_timeout,
                  "Longest wait for one check's network calls (a duration: 5s, 500ms; default 5s)")
      ->type_name("DURATION");
  cmd->add_flag("--accept-new-host-keys", c->opt.connect.accept_new_host_keys,
                "Record unknown host keys in known_hosts");
  set_examples(cmd,
               "  rayctl doctor mycluster\n  rayctl doctor rayservice/rag -n serving -o json\n"
               "  rayctl doctor --address http://127.0.0.1:8265 --app llm --path /llm/v1/models\n"
               "Exit status: 0 when every layer is healthy, 4 when one is broken (its check ID says which).");
  cmd->callback([c, &ctx] { c->run(ctx); });
}

}  // namespace rayctl::cli
