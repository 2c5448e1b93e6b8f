// `rayctl inference deploy`: the bundled LLM app from a model file to a RUNNING Serve
// application on a cluster. Order: the spec is checked; the binary and the model are hashed;
// the Serve config is written (llm_app.h) and checked like any Serve file, then against the
// live cluster's resources — a replica no node can hold is refused before anything is copied;
// the binary and the model go to every node (put_files: skipped where already present); the
// app is deployed with ServeDeploy (merging: other live applications stay) and waited for.
#pragma once

#include "cluster/cluster.h"
#include "serve/deploy/serve_deploy.h"
#include "serve/llm/llm_app.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace rayctl {

struct LlmDeployOptions {
  LlmDeploySpec spec;         // rayctl_path / model_path are filled in by deploy_llm
  std::string model_file;     // here
  std::string rayctl_binary;  // here; "" = this process's executable
  bool dry_run = false;       // print the config, check it against the cluster, copy nothing
  ServeDeployOptions deploy;  // wait / timeout / force (merge is always on)
  ConnectOptions connect;
  std::string token;  // the dashboard's auth token, if it wants one
};

struct LlmDeployResult {
  nlohmann::json config;  // the Serve config (working_dir as the gcs:// URI it is uploaded as)
  std::vector<NodeFilesResult> copies;
  std::optional<ServeDeployResult> deploy;
  std::string endpoint;       // "http://HEAD:8000/llm"
  std::string curl;           // a ready-to-paste request
  bool checked_live = false;  // the placement check ran against live resources
  ExitCode exit_code = ExitCode::Ok;
};
nlohmann::json to_json(const LlmDeployResult& r);

LlmDeployResult deploy_llm(Cluster& cluster, const LlmDeployOptions& opt, IOStreams& io, CancelFlag& cancel);

// The head's Serve HTTP endpoint for `route` (Serve's proxy, default port 8000).
std::string llm_endpoint(const std::string& head_host, const std::string& route, int http_port = 8000);
// `curl` for one chat request to the endpoint.
std::string llm_curl(const std::string& endpoint, const std::string& model_name);

}  // namespace rayctl
