// deploy_llm (see llm_deploy.h).
#include "serve/llm/llm_deploy.h"

#include "core/error.h"
#include "core/json_yaml.h"
#include "serve/config/serve_spec.h"
#include "serve/deploy/package_upload.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace rayctl {

namespace fs = std::filesystem;

namespace {

std::string self_executable() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error(ErrorKind::Internal, "cannot find this rayctl's executable: " + ec.message());
  return p.string();
}

// A private directory for the app's files and the config, removed at the end.
struct TempDir {
  std::string path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "rayctl-llm-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw Error(ErrorKind::Io, "cannot create a temporary directory");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

std::string llm_endpoint(const std::string& head_host, const std::string& route, int http_port) {
  std::string host = head_host.find(':') != std::string::npos ? "[" + head_host + "]" : head_host;
  return "http://" + host + ":" + std::to_string(http_port) + route;
}

std::string llm_curl(const std::string& endpoint, const std::string& model_name) {
  nlohmann::json body = {{"model", model_name},
                         {"messages", nlohmann::json::array({{{"role", "user"}, {"content", "Say hello."}}})},
                         {"max_tokens", 32}};
  return "curl -s " + endpoint + "/v1/chat/completions -H 'Content-Type: application/json' -d '" + body.dump() + "'";
}

LlmDeployResult deploy_llm(Cluster& cluster, const LlmDeployOptions& opt, IOStreams& io, CancelFlag& cancel) {
  LlmDeployResult r;
  LlmDeploySpec spec = opt.spec;
  check_llm_spec(spec);
  if (!fs::is_regular_file(opt.model_file))
    throw Error(ErrorKind::NotFound, "--model " + opt.model_file + ": no such file",
                "give the path of a .gguf file on this machine");
  std::string binary = opt.rayctl_binary.empty() ? self_executable() : opt.rayctl_binary;
  NodeFile bin = node_file(binary, "");
  bin.machine = local_machine();
  NodeFile model = node_file(opt.model_file, "");
  std::string model_base = fs::path(opt.model_file).filename().string();
  bin.remote = llm_node_path(bin.sha256, "rayctl");
  model.remote = llm_node_path(model.sha256, model_base);
  spec.rayctl_path = bin.remote;
  spec.model_path = model.remote;

  TempDir tmp;
  std::string app_dir = write_llm_app_dir(tmp.path + "/app");
  nlohmann::json body = llm_serve_config(spec, app_dir);
  std::string config_path = tmp.path + "/serve.yaml";
  std::ofstream(config_path) << to_yaml_text(body);
  ServeConfig cfg = load_serve_spec(config_path, io);  // rayctl's own Serve checks

  // The config as Serve will get it: the app directory as its content-addressed package.
  r.config = body;
  localize_runtime_envs(r.config, tmp.path, PackageOptions{});

  auto transport = cluster.dashboard(io, &cancel);
  DashboardEndpoint ep;
  ep.url = transport->url();
  ep.token = opt.token;
  ep.source = "cluster " + cluster.name();
  DashboardClient client(ep, *transport);
  for (const auto& n : client.live_nodes(std::chrono::seconds(10)))
    if (n.is_head) r.endpoint = llm_endpoint(n.ip, spec.route);
  ServeDeployOptions dopt = opt.deploy;
  dopt.merge = true;  // other live applications stay
  ServeDeploy deploy(client, io, dopt);
  deploy.preflight(cfg);  // a replica no live node can hold is refused before anything is copied
  r.checked_live = true;
  // The worker lists the model under its file name unless --model-name says otherwise.
  r.curl = llm_curl(r.endpoint, spec.model_name.empty() ? model_base : spec.model_name);
  if (opt.dry_run) return r;

  r.copies = cluster.put_files({bin, model}, {}, opt.connect, io, cancel);
  for (const auto& c : r.copies)
    if (!c.ok)
      throw Error(ErrorKind::Remote, "could not put the binary and the model on node " + c.node + ": " + c.error,
                  "fix the node, then re-run: files already copied are not sent again");
  r.deploy = deploy.run(cfg, config_path);
  r.exit_code = r.deploy->exit_code;
  return r;
}

nlohmann::json to_json(const LlmDeployResult& r) {
  nlohmann::json j = {{"config", r.config},
                      {"endpoint", r.endpoint},
                      {"curl", r.curl},
                      {"checked_live", r.checked_live},
                      {"copies", to_json(r.copies)}};
  uint64_t bytes = 0;
  for (const auto& c : r.copies) bytes += c.bytes_sent;
  j["bytes_sent"] = bytes;
  j["deploy"] = r.deploy ? to_json(*r.deploy) : nlohmann::json(nullptr);
  return j;
}

}  // namespace rayctl
