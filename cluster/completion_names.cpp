// Names for shell completion (see completion_names.h).
#include "cluster/completion_names.h"

#include "cluster/kube/kube_client.h"
#include "cluster/kube/kube_config.h"

#include <algorithm>
#include <cstdlib>
#include <set>

namespace rayctl {

namespace {

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

KubeConfigSet kubeconfig_set(const std::string& kubeconfig) {
  return load_kube_config(KubeConfigSources{kubeconfig, env("KUBECONFIG"), env("HOME")});
}

std::vector<std::string> server_namespaces(const std::string& kubeconfig, const std::string& context,
                                           std::chrono::milliseconds timeout) {
  KubeClient client(load_kube_target(kubeconfig, KubeSelection{context, ""}));
  std::string body;
  auto r = client.stream(
      "/api/v1/namespaces",
      [&body](std::string_view chunk) {
        body.append(chunk);
        return body.size() < (8u << 20);  // a namespace list this big is not one to complete from
      },
      timeout);
  std::vector<std::string> names;
  if (r.status != 200) return names;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j["items"].is_array()) return names;
  for (const auto& item : j["items"]) {
    const auto* name = item.is_object() && item.contains("metadata") && item["metadata"].is_object() &&
                               item["metadata"].contains("name") && item["metadata"]["name"].is_string()
                           ? &item["metadata"]["name"]
                           : nullptr;
    if (name) names.push_back(name->get<std::string>());
  }
  return names;
}

}  // namespace

std::vector<std::string> recorded_cluster_names(const ClusterStateStore& store) {
  try {
    return store.list();
  } catch (const std::exception&) {
    return {};
  }
}

std::vector<std::string> kube_context_names(const std::string& kubeconfig) {
  std::vector<std::string> names;
  try {
    for (const auto& [name, _] : kubeconfig_set(kubeconfig).contexts) names.push_back(name);
  } catch (const std::exception&) {
  }
  return names;  // std::map keeps them sorted
}

std::vector<std::string> kube_namespace_names(const std::string& kubeconfig, const std::string& context,
                                              std::chrono::milliseconds timeout) {
  std::set<std::string> names;
  try {
    for (auto& n : server_namespaces(kubeconfig, context, timeout)) names.insert(std::move(n));
  } catch (const std::exception&) {
  }
  if (names.empty()) {
    try {
      for (const auto& [_, ctx] : kubeconfig_set(kubeconfig).contexts)
        if (!ctx.namespace_.empty()) names.insert(ctx.namespace_);
    } catch (const std::exception&) {
    }
  }
  return {names.begin(), names.end()};
}

}  // namespace rayctl
