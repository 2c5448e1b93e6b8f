// The bundled LLM app on a cluster (`rayctl inference deploy`): what the user asked for
// (LlmDeploySpec), checked, and turned into the Serve config that runs the Python app shipped
// with rayctl (manifests/apps/rayctl_llm, embedded in the binary: llm_app_sources()) whose
// replicas each start `rayctl inference serve` on the node. Pure except write_llm_app_dir.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rayctl {

struct LlmDeploySpec {
  std::string name = "llm";
  std::string route = "/llm";
  std::string device = "cpu";              // "cpu" | "cuda"
  std::optional<double> gpus_per_replica;  // default: 1 for cuda, 0 for cpu
  double cpus_per_replica = 1;
  std::optional<int> replicas;                    // fixed count (default 1 unless min/max given)
  std::optional<int> min_replicas, max_replicas;  // autoscaling on ongoing requests
  int target_ongoing_requests = 0;                // 0 = parallel (each worker's batch slots)
  int parallel = 4;                               // sequences one worker decodes at once
  int ctx = 0;                                    // 0 = the worker's default
  // Paths as the nodes see them ("~" is expanded there by the app).
  std::string rayctl_path;
  std::string model_path;
  std::string model_name;  // what /v1/models lists (default: the model file's stem)
};

// Throws Error(Usage) naming the flag for combinations that cannot work (cuda without GPUs,
// GPUs for cpu, --replicas with --min/--max, min > max, a route that is not "/x", ...).
void check_llm_spec(const LlmDeploySpec& spec);
double llm_gpus_per_replica(const LlmDeploySpec& spec);

// The Serve config body ({"applications": [...]}) for the spec; `working_dir` is the app's
// runtime_env.working_dir (a local directory rayctl uploads, or a gcs:// URI).
nlohmann::json llm_serve_config(const LlmDeploySpec& spec, const std::string& working_dir);

// The Python files of the app (relative path, content), compiled into rayctl.
const std::vector<std::pair<std::string, std::string>>& llm_app_sources();
// Writes them under `dir` (created); returns `dir`.
std::string write_llm_app_dir(const std::string& dir);

// Where deploy puts the binary and the model on a node: ~/.rayctl/llm/<sha256 prefix>/<name>,
// so that a changed file gets a new path and an unchanged one is found again.
std::string llm_node_path(const std::string& sha256_hex, const std::string& file_name);

}  // namespace rayctl
