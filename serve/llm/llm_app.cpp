// LlmDeploySpec → Serve config (see llm_app.h).
#include "serve/llm/llm_app.h"

#include "core/error.h"

#include <filesystem>
#include <fstream>

namespace rayctl {

namespace {

// The app's entry point inside its working_dir (manifests/apps/rayctl_llm/README.md).
constexpr const char* kImportPath = "rayctl_llm.app:build";

std::string fmt_number(double v) {
  std::string s = std::to_string(v);
  s.erase(s.find_last_not_of('0') + 1);
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace

double llm_gpus_per_replica(const LlmDeploySpec& spec) {
  if (spec.gpus_per_replica) return *spec.gpus_per_replica;
  return spec.device == "cuda" ? 1.0 : 0.0;
}

void check_llm_spec(const LlmDeploySpec& s) {
  auto usage = [](const std::string& what, const std::string& fix) { return Error(ErrorKind::Usage, what, fix); };
  if (s.name.empty() || s.name.find_first_of(" /\t") != std::string::npos)
    throw usage("--name '" + s.name + "' is not an application name", "use letters, digits, - and _");
  if (s.route.size() < 2 || s.route.front() != '/' || s.route.back() == '/' ||
      s.route.find_first_of("{} ") != std::string::npos)
    throw usage("--route '" + s.route + "' is not a route prefix", "write it as /name (no trailing slash)");
  if (s.device != "cpu" && s.device != "cuda")
    throw usage("--device " + s.device + " is not cpu or cuda", "use --device cpu or --device cuda");
  double gpus = llm_gpus_per_replica(s);
  if (s.device == "cuda" && gpus <= 0)
    throw usage("--device cuda with --gpus-per-replica 0: the worker would find no GPU",
                "give --gpus-per-replica 1 (or 0.5 to pack two replicas per GPU)");
  if (s.device == "cpu" && gpus > 0)
    throw usage("--gpus-per-replica " + fmt_number(gpus) + " with --device cpu: the GPUs would sit idle",
                "use --device cuda, or drop --gpus-per-replica");
  if (gpus < 0 || (gpus > 1 && gpus != static_cast<int>(gpus)))
    throw usage("--gpus-per-replica " + fmt_number(gpus) + ": Ray takes a fraction up to 1 or a whole number",
                "use e.g. 0.5, 1 or 2");
  if (s.replicas && (s.min_replicas || s.max_replicas))
    throw usage("--replicas with --min/--max", "give a fixed --replicas N, or --min N --max M to autoscale");
  if (s.replicas && *s.replicas < 1) throw usage("--replicas must be at least 1", "use --replicas 1 or more");
  if (s.min_replicas.has_value() != s.max_replicas.has_value())
    throw usage("--min and --max go together", "give both, e.g. --min 1 --max 4");
  if (s.min_replicas && (*s.min_replicas < 0 || *s.max_replicas < 1 || *s.min_replicas > *s.max_replicas))
    throw usage(
        "--min " + std::to_string(*s.min_replicas) + " --max " + std::to_string(*s.max_replicas) + " is not a range",
        "use 0 <= min <= max, max >= 1");
  if (s.parallel < 1) throw usage("--parallel must be at least 1", "use --parallel 4");
  if (s.ctx < 0) throw usage("--ctx must not be negative", "omit it for the model's default");
  if (s.cpus_per_replica <= 0) throw usage("a replica needs some CPU", "use --cpus-per-replica 1");
}

nlohmann::json llm_serve_config(const LlmDeploySpec& s, const std::string& working_dir) {
  nlohmann::json args = {
      {"rayctl", s.rayctl_path}, {"model", s.model_path}, {"device", s.device}, {"parallel", s.parallel}};
  if (s.ctx > 0) args["ctx"] = s.ctx;
  if (!s.model_name.empty()) args["model_name"] = s.model_name;
  nlohmann::json actor = {{"num_cpus", s.cpus_per_replica}};
  double gpus = llm_gpus_per_replica(s);
  if (gpus > 0) actor["num_gpus"] = gpus;
  nlohmann::json dep = {{"name", "LlmWorker"},
                        {"ray_actor_options", actor},
                        // One replica takes at most what its worker decodes at once plus a queue of as many.
                        {"max_ongoing_requests", 2 * s.parallel},
                        // A dead worker fails every request routed to its replica until Serve
                        // replaces it: check often (the check itself is one loopback GET).
                        {"health_check_period_s", 2},
                        {"health_check_timeout_s", 10}};
  if (s.min_replicas) {
    int target = s.target_ongoing_requests > 0 ? s.target_ongoing_requests : s.parallel;
    dep["autoscaling_config"] = {
        {"min_replicas", *s.min_replicas}, {"max_replicas", *s.max_replicas}, {"target_ongoing_requests", target}};
  } else {
    dep["num_replicas"] = s.replicas.value_or(1);
  }
  nlohmann::json app = {{"name", s.name},
                        {"route_prefix", s.route},
                        {"import_path", kImportPath},
                        {"args", args},
                        {"runtime_env", {{"working_dir", working_dir}}},
                        {"deployments", nlohmann::json::array({dep})}};
  return {{"applications", nlohmann::json::array({app})}};
}

std::string write_llm_app_dir(const std::string& dir) {
  namespace fs = std::filesystem;
  const auto& files = llm_app_sources();
  if (files.empty())
    throw Error(ErrorKind::Internal, "this rayctl was built without the LLM Serve app (manifests/apps/rayctl_llm)",
                "rebuild rayctl from a full checkout");
  for (const auto& [rel, text] : files) {
    fs::path p = fs::path(dir) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) throw Error(ErrorKind::Io, "cannot write " + p.string());
  }
  return dir;
}

std::string llm_node_path(const std::string& sha256_hex, const std::string& file_name) {
  return "~/.rayctl/llm/" + sha256_hex.substr(0, 16) + "/" + file_name;
}

}  // namespace rayctl
