#include "inspect/doctor/doctor_checks.h"

#include "core/error.h"

#include <iterator>

namespace rayctl {

namespace {
using L = DoctorLayer;
const DoctorCheckInfo kChecks[] = {
    {"DR101", L::Ssh, "node reachable over SSH",
     "Check that the host is up and that sshd listens on the port the cluster file names (a bastion or "
     "ProxyCommand must reach it too); `rayctl exec TARGET --node NODE -- true` retries one node."},
    {"DR102", L::Ssh, "host key known and unchanged",
     "If the host was reinstalled, remove its old key (ssh-keygen -R HOST) and connect again; a new host is "
     "trusted with --accept-new-host-keys."},
    {"DR103", L::Ssh, "SSH key accepted",
     "Check auth.ssh_user and auth.ssh_private_key in the cluster file, and that the public key is in the "
     "node's ~/.ssh/authorized_keys."},

    {"DR151", L::Kubernetes, "API server reachable",
     "Check the kubeconfig's server address (--kubeconfig, --context) and the network path to it."},
    {"DR152", L::Kubernetes, "credentials accepted and authorised",
     "Refresh the kubeconfig's credentials; the user needs get/list/watch on ray.io objects, pods, services, "
     "events and leases in the namespace."},
    {"DR153", L::Kubernetes, "KubeRay CRDs installed and serving ray.io/v1",
     "Install or upgrade the KubeRay CRDs (the kuberay-operator Helm chart, or `kubectl apply --server-side` "
     "of its crd directory)."},

    {"DR161", L::KubeRay, "KubeRay operator running",
     "Start the KubeRay operator (e.g. `kubectl -n NAMESPACE rollout restart deployment kuberay-operator`) "
     "and read its log; nothing changes on Ray objects while it is down."},
    {"DR162", L::KubeRay, "RayCluster / RayService exists",
     "Create it with `rayctl up FILE`, or name the right namespace with -n."},
    {"DR163", L::KubeRay, "object's conditions healthy",
     "Read the condition's reason and message; `rayctl status TARGET` follows the object's progress."},
    {"DR164", L::KubeRay, "head exposes the Serve port",
     "Add a containerPort 8000 named `serve` to the head container: KubeRay points the serve service "
     "(and a RayService's traffic) at it."},

    {"DR171", L::Pods, "pods scheduled",
     "Free or add the capacity the scheduler's reason names, or lower the pod's requests."},
    {"DR172", L::Pods, "GPU limits fit the nodes",
     "Ask for no more nvidia.com/gpu per pod than a node has allocatable, or add GPU nodes (with the "
     "NVIDIA device plugin)."},
    {"DR173", L::Pods, "containers running, not crash-looping",
     "Read the container's log (`rayctl logs TARGET --pod POD`) for why it exits."},
    {"DR174", L::Pods, "head and workers run the same Ray version",
     "Use one Ray image tag (and rayVersion) for the head and every worker group: a worker whose Ray differs "
     "from the head's cannot join."},
    {"DR175", L::Pods, "head service resolves to the head pod",
     "The head service must exist and select the running head pod: workers join through its DNS name."},

    {"DR201", L::Ray, "Ray running on every node (raylet)",
     "Start Ray on the node again (`rayctl up FILE` restarts what is down); its raylet.out says why it "
     "stopped."},
    {"DR202", L::Ray, "GCS running on the head",
     "Restart the head's Ray (`rayctl up FILE --restart-only`); gcs_server.out on the head says why it stopped."},
    {"DR203", L::Ray, "every node ALIVE in the GCS",
     "A node that is not ALIVE lost its raylet or cannot reach the head's GCS port: read raylet.out on the "
     "node and check the network between it and the head."},

    {"DR301", L::Dashboard, "dashboard answering",
     "Restart the head's Ray (the dashboard is one of its processes; --include-dashboard must not be false); "
     "dashboard.log on the head says why it stopped."},

    {"DR401", L::Serve, "Serve controller running", "Serve starts with the first deploy: `rayctl serve deploy FILE`."},
    {"DR402", L::Serve, "Serve proxies healthy",
     "An unhealthy proxy is usually a node short of resources or a port already taken: read the proxy's log "
     "on that node (`rayctl logs TARGET --component serve`)."},
    {"DR403", L::Serve, "application deployed",
     "`rayctl serve status` lists the applications; deploy the missing one with `rayctl serve deploy FILE`."},
    {"DR404", L::Serve, "application RUNNING",
     "The message is the application's own: fix its import_path, runtime_env or args and deploy again."},
    {"DR405", L::Serve, "deployments healthy",
     "The replicas' log lines say why they fail: fix the code, its health check or its resources and deploy "
     "again."},

    {"DR501", L::Resources, "Serve's resource asks fit what Ray has free",
     "Lower the deployment's ray_actor_options (num_gpus, num_cpus, resources) or its replicas, or add nodes "
     "that have the resource."},
    {"DR502", L::Resources, "nvidia.com/gpu limits agree with Ray's num-gpus",
     "Leave rayStartParams num-gpus unset (Ray counts the GPUs the container gets) or set it to the "
     "container's nvidia.com/gpu limit."},

    {"DR601", L::App, "route matches an application",
     "No application's route_prefix matches the path: request one of the routes listed, or change the "
     "application's route_prefix and deploy again."},
    {"DR602", L::App, "Serve proxy accepts connections",
     "Nothing answers on the Serve HTTP port: check http_options (host, port) and that a proxy runs on the "
     "head."},
    {"DR603", L::App, "application answers without a server error",
     "The application raised: its replica's log lines show the exception; fix the code and deploy again."},
};
}  // namespace

const std::vector<DoctorCheckInfo>& doctor_checks() {
  static const std::vector<DoctorCheckInfo> checks(std::begin(kChecks), std::end(kChecks));
  return checks;
}

const DoctorCheckInfo& doctor_check(const std::string& id) {
  for (const auto& c : doctor_checks())
    if (id == c.id) return c;
  throw Error(ErrorKind::Internal, "doctor check " + id + " is not in the catalogue");
}

}  // namespace rayctl
