# Shared by tests/integration/kube/doctor.sh and bench/doctor/kube.sh (sourced; needs RAYCTL,
# SRC and a rig already up): a real Ray head on loopback started by `rayctl up` of a local
# launcher file (GCS 6376, dashboard 8276, Serve 8076, client 10076, agent 52376, workers
# 24200-24399), ray_loopback_proxy.py on the rig's HTTP_PROXY port forwarding the operator's and
# the API server's service-proxy requests for kwok pods to it, and the manifests the doctor
# test uses (the RAG app of manifests/serve/rag.yaml, its code as a working_dir zip).
RAY_CLUSTER=rayctl-kube-doctor

source "$SRC/tests/integration/kube/loopback_ray.sh"
doctor_ray_head() { loopback_ray_head "$1" 6; }  # doctor_ray_head <work dir>
doctor_ray_head_down() { loopback_ray_head_down; }

doctor_manifests() {  # doctor_manifests <work dir>: mixed-versions, healthy, no-serve-port, bad-import .yaml
  local out="$1"
  apps_zip "$out/apps.zip"
  # RayClusters for the pod faults; RayServices of the RAG app on the loopback head.
  "$VENV/bin/python" - "$SRC/manifests/serve/rag.yaml" "$out/apps.zip" "$out" <<'PY'
import copy, sys, yaml
serve = yaml.safe_load(open(sys.argv[1]))
serve["http_options"] = {"host": "127.0.0.1", "port": 8076}
serve["applications"][0]["runtime_env"] = {"working_dir": "file://" + sys.argv[2]}
out = sys.argv[3]
res = {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}}
ports = [{"containerPort": p, "name": n} for p, n in ((6379, "gcs-server"), (8265, "dashboard"), (10001, "client"), (8000, "serve"))]

def head(image, with_ports):
    c = {"name": "ray-head", "image": image, "resources": res}
    if with_ports is not None:
        c["ports"] = with_ports
    return {"rayStartParams": {"dashboard-host": "0.0.0.0"}, "template": {"spec": {"containers": [c]}}}

def write(name, obj):
    yaml.safe_dump(obj, open("%s/%s.yaml" % (out, name), "w"), sort_keys=False)

def service(name, config, with_ports):
    return {"apiVersion": "ray.io/v1", "kind": "RayService", "metadata": {"name": name, "namespace": "default"},
            "spec": {"serveConfigV2": yaml.safe_dump(config, sort_keys=False),
                     "rayClusterConfig": {"rayVersion": "2.53.0", "headGroupSpec": head("rayproject/ray:2.53.0", with_ports)}}}

worker = {"groupName": "small", "replicas": 1, "minReplicas": 1, "maxReplicas": 1, "rayStartParams": {},
          "template": {"spec": {"containers": [{"name": "ray-worker", "image": "rayproject/ray:2.52.1", "resources": res}]}}}
write("mixed-versions", {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "mixed-versions", "namespace": "default"},
                         "spec": {"rayVersion": "2.53.0", "headGroupSpec": head("rayproject/ray:2.53.0", None), "workerGroupSpecs": [worker]}})
write("healthy", service("doctor-rag", serve, ports))
# The same Serve config (its operator may deploy it to the shared head): only the port is wrong.
write("no-serve-port", service("no-serve-port", serve, [p for p in ports if p["name"] != "serve"]))
broken = copy.deepcopy(serve)
broken["applications"][0]["import_path"] = "no_such_module:app"
write("bad-import", service("bad-import", broken, ports))
PY
}
