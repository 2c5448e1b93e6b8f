// `rayctl render --to raycluster|rayservice FILE [--serve FILE]`: a launcher file as KubeRay
// objects. The input is validated first; errors stop the render.
#include "cli/command.h"
#include "cluster/spec/render.h"
#include "core/json_yaml.h"
#include "serve/config/config_validation.h"

#include <fmt/format.h>

namespace rayctl::cli {

namespace {

struct RenderOptionsCli {
  std::string to, file, serve, name, namespace_, ray_version = "2.60.0";
};

template <typename T>
const T& first_of(const ValidationResult& r, std::optional<T> LoadedDocument::*field, const std::string& file,
                  const char* what) {
  for (const auto& d : r.documents)
    if (d.file == file && (d.*field).has_value()) return *(d.*field);
  throw Error(ErrorKind::Invalid, fmt::format("{} is not {}", file, what), "check the file you passed",
              SourceLoc{file, 0, 0});
}

void run_render(CliContext& ctx, const RenderOptionsCli& o) {
  if (o.to == "rayservice" && o.serve.empty())
    throw Error(ErrorKind::Usage, "--to rayservice needs --serve FILE (the Serve config to embed)",
                "rayctl render --to rayservice cluster.yaml --serve serve.yaml");
  std::vector<std::string> files = {o.file};
  if (!o.serve.empty()) files.push_back(o.serve);
  ValidationOptions vo;
  vo.cluster_file = o.file;
  vo.launcher_use = LauncherUse::Render;  // a cloud or Docker file is what render is for: no RL229/RL230/RL231
  ValidationResult r = validate_config_files(files, vo);
  if (!r.diagnostics.empty()) render_diagnostics(*ctx.io.err, r.diagnostics, r.sources, {ctx.io.color, ctx.io.err_tty});
  if (r.diagnostics.has_errors())
    throw Error(ErrorKind::Invalid,
                fmt::format("{} error(s) in the input; nothing rendered", r.diagnostics.error_count()),
                "fix the errors above and run again");
  if (o.to == "rayservice")
    for (const auto& d : r.diagnostics.items())
      if (d.id == diag_id::kLocalRuntimeEnv)
        throw Error(
            ErrorKind::Invalid,
            "a RayService cannot carry a local working_dir / py_modules: KubeRay hands serveConfigV2 to Serve "
            "as written and nothing uploads the directory",
            "set runtime_env.working_dir to a remote .zip URI (https://, s3://, gs://) or bake the code into the "
            "image and drop working_dir; `rayctl serve deploy` (not render) uploads local directories",
            d.loc);
  const LauncherConfig& c = first_of(r, &LoadedDocument::launcher, o.file, "a Ray launcher file");
  RenderSettings s;
  s.ray_version = o.ray_version;
  s.name = o.name;
  s.namespace_ = o.namespace_;
  nlohmann::json obj =
      o.to == "raycluster"
          ? render_raycluster(c, s)
          : render_rayservice(c, first_of(r, &LoadedDocument::serve, o.serve, "a Serve config").body, s);
  auto f = ctx.format();
  if (f == OutputFormat::Json)
    *ctx.io.out << obj.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  else
    *ctx.io.out << to_yaml_text(obj);
}

}  // namespace

void setup_render(CLI::App& root, CliContext& ctx) {
  auto o = std::make_shared<RenderOptionsCli>();
  auto* cmd = root.add_subcommand("render", "Convert a Ray launcher file into a KubeRay RayCluster or RayService");
  cmd->add_option("--to", o->to, "Object to produce")->required()->check(CLI::IsMember({"raycluster", "rayservice"}));
  cmd->add_option("FILE", o->file, "Ray launcher file (ray up format)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--serve", o->serve, "Serve config to embed as serveConfigV2 (--to rayservice)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--name", o->name, "metadata.name (default: cluster_name)");
  cmd->add_option("-n,--namespace", o->namespace_, "metadata.namespace")->type_name("NS");
  cmd->add_option("--ray-version", o->ray_version, "rayVersion and image tag")->capture_default_str();
  set_examples(cmd,
               "  rayctl render --to raycluster manifests/cluster/onprem.yaml > raycluster.yaml\n"
               "  rayctl render --to rayservice manifests/cluster/onprem.yaml --serve manifests/serve/rag.yaml\n"
               "  rayctl render --to raycluster cluster.yaml -o json\n"
               "Output is YAML unless -o json; it passes `rayctl validate`.");
  cmd->callback([&ctx, o] { run_render(ctx, *o); });
}

}  // namespace rayctl::cli
