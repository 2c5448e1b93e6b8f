#!/usr/bin/env bash
# `rayctl diff` on the Kubernetes rig, each verdict checked against what the KubeRay operator
# then does when the file is applied (`rayctl up FILE`):
#   1. a RayService (autoscaled worker group) reaches Ready against a real Ray head on loopback
#      (as step 8 of kube_e2e_test.sh: ray_loopback_proxy.py takes the rig's HTTP_PROXY port);
#      diff of the applied file exits 0
#   a. a serveConfigV2 change (Retriever user_config) → diff: in-place, deployment only
#      reconfigured; applied → the same active RayCluster, the real Serve has the new user_config
#   c. replicas of the autoscaled group → diff: ignored; applied → the operator leaves the
#      RayCluster's replicas as they were and builds no new cluster
#   b. a worker image change → diff: new-cluster with the capacity it needs, checked against
#      the kwok nodes; applied → the operator creates a pending RayCluster
#   e. a Serve config through the same verb (--address of the real head): the serve diff
#   f. a RayCluster: replicas → scale, a worker image → new-pods-only; applied → one pod more, the
#      running worker keeps its pod and its old image
#   d. the launcher file of the loopback head: diff 0 unchanged; a start flag changed → the head
#      restarts, with the old and new command
# Own rig instance and ports (RAYCTL_K8S_PORT_BASE 16700; Ray 6377/8277/8077/10077/52377,
# workers 24400-24599). Usage: diff.sh RAYCTL_BINARY SOURCE_DIR. Exit 77 only when Go is missing.
set -uo pipefail
RAYCTL="$1"; SRC="$2"
here="$SRC/tests/integration/kube"
if ! command -v go >/dev/null; then echo "SKIP: no Go toolchain to build the Kubernetes rig"; exit 77; fi
export RAYCTL_K8S_STATE="${RAYCTL_K8S_STATE:-/tmp/rayctl-k8s-diff-$(id -u)}"
export RAYCTL_K8S_PORT_BASE="${RAYCTL_K8S_PORT_BASE:-16700}"
NS=ray-diff RS=diff-rs RAY_CLUSTER=rayctl-diff-it
fail=0
check() {  # check <description> <condition...>
  local what="$1"; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; fail=1; fi
}
cleanup() {
  declare -F loopback_ray_head_down >/dev/null && loopback_ray_head_down
  [[ -n "${RAYCTL_K8S_KEEP:-}" ]] || "$SRC/scripts/k8s/rig.sh" down
  [[ -n "${out:-}" ]] && rm -rf "$out"
}
trap cleanup EXIT
eval "$("$SRC/scripts/k8s/rig.sh" up | tail -n 1 | sed 's/^/export /')" || { echo "FAIL - rig did not start"; exit 1; }
P="$RAYCTL_K8S_STATE/pki"
API="$(sed -n 's/.*server: //p' "$KUBECONFIG")"
api() { curl -sS --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" "$@"; }
api -o /dev/null -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
  --data-binary "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$NS\"}}" \
  "$API/api/v1/namespaces/$NS?fieldManager=rayctl-test"
out="$(mktemp -d)"
rs_json() { api "$API/apis/ray.io/v1/namespaces/$NS/rayservices/$RS"; }
field() {  # field PY_EXPR: evaluated on the RayService as `rs`
  rs_json | python3 -c "import json,sys; rs=json.load(sys.stdin); print($1)"
}
raycluster_names() {
  api "$API/apis/ray.io/v1/namespaces/$NS/rayclusters?labelSelector=ray.io%2Foriginated-from-cr-name%3D$RS" |
    python3 -c 'import json,sys; print(" ".join(sorted(i["metadata"]["name"] for i in json.load(sys.stdin)["items"])))'
}
djson() { python3 -c "import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$1"; }

# 1. the real head on loopback, the proxy, and the RayService on it
source "$here/loopback_ray.sh"
loopback_ray_head "$out" 7 >"$out/rayup.txt" 2>&1
check "real Ray head on loopback: rayctl up exits 0" test $? -eq 0 || cat "$out/rayup.txt"
apps_zip "$out/apps.zip"
# The RayService and its variants: base, a (top_k 3), c (a + replicas 2), b (c + worker image).
"$VENV/bin/python" - "$SRC/manifests/serve/rag.yaml" "$out/apps.zip" "$out" "$NS" "$RS" <<'PY'
import copy, sys, yaml
serve_file, zip_path, out, ns, name = sys.argv[1:6]
serve = yaml.safe_load(open(serve_file))
serve["http_options"] = {"host": "127.0.0.1", "port": 8077}
serve["applications"][0]["runtime_env"] = {"working_dir": "file://" + zip_path}
ports = [{"containerPort": p, "name": n} for p, n in ((6379, "gcs-server"), (8265, "dashboard"), (10001, "client"), (8000, "serve"))]
def container(name, image, cpu, mem, ports=None):
    c = {"name": name, "image": image, "resources": {"requests": {"cpu": cpu, "memory": mem}, "limits": {"cpu": cpu, "memory": mem}}}
    if ports: c["ports"] = ports
    return c
rs = {"apiVersion": "ray.io/v1", "kind": "RayService", "metadata": {"name": name, "namespace": ns},
      "spec": {"serveConfigV2": yaml.safe_dump(serve, sort_keys=False), "rayClusterConfig": {
          "rayVersion": "2.53.0", "enableInTreeAutoscaling": True,
          "headGroupSpec": {"rayStartParams": {"dashboard-host": "0.0.0.0"}, "template": {"spec": {"containers": [
              container("ray-head", "rayproject/ray:2.53.0", "2", "4Gi", ports)]}}},
          "workerGroupSpecs": [{"groupName": "cpu", "replicas": 1, "minReplicas": 1, "maxReplicas": 3, "rayStartParams": {},
              "template": {"spec": {"containers": [container("ray-worker", "rayproject/ray:2.53.0", "1", "2Gi")]}}}]}}}
def write(fname, obj):
    yaml.safe_dump(obj, open(out + "/" + fname, "w"), sort_keys=False)
write("rs-base.yaml", rs)
a = copy.deepcopy(rs)
serve_a = copy.deepcopy(serve)
for d in serve_a["applications"][0]["deployments"]:
    if d["name"] == "Retriever": d["user_config"] = {"top_k": 3}
a["spec"]["serveConfigV2"] = yaml.safe_dump(serve_a, sort_keys=False)
write("rs-a-serve.yaml", a)
c = copy.deepcopy(a)
c["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["replicas"] = 2
write("rs-c-replicas.yaml", c)
b = copy.deepcopy(c)
b["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["image"] = "rayproject/ray:2.53.0-py312"
write("rs-b-image.yaml", b)
for d in serve_a["applications"][0]["deployments"]:
    if d["name"] == "Retriever": d["user_config"] = {"top_k": 5}
write("serve-e.yaml", serve_a)
rc = {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "diff-rc", "namespace": ns},
      "spec": {"rayVersion": "2.53.0", "headGroupSpec": {"rayStartParams": {}, "template": {"spec": {"containers": [
                   container("ray-head", "rayproject/ray:2.53.0", "1", "2Gi", ports)]}}},
               "workerGroupSpecs": [{"groupName": "cpu", "replicas": 1, "minReplicas": 0, "maxReplicas": 4, "rayStartParams": {},
                   "template": {"spec": {"containers": [container("ray-worker", "rayproject/ray:2.53.0", "1", "2Gi")]}}}]}}
write("rc.yaml", rc)
rc["spec"]["workerGroupSpecs"][0]["replicas"] = 2
rc["spec"]["workerGroupSpecs"][0]["template"]["spec"]["containers"][0]["image"] = "rayproject/ray:2.53.0-py312"
write("rc-f.yaml", rc)
PY
"$RAYCTL" up "$out/rs-base.yaml" --timeout 240 >"$out/up-base.txt" 2>&1
rc=$?; cat "$out/up-base.txt"
check "rayservice on the real head: Ready" test $rc -eq 0 || tail -n 30 "$out/proxy.log"
active0="$(field 'rs["status"]["activeServiceStatus"]["rayClusterName"]')"
echo "active RayCluster: $active0"
"$RAYCTL" diff "$out/rs-base.yaml" >"$out/diff-base.txt" 2>&1
rc=$?; cat "$out/diff-base.txt"
check "diff of the applied file: exit 0, no changes" test $rc -eq 0

# a. serveConfigV2: in place
"$RAYCTL" -o json diff "$out/rs-a-serve.yaml" >"$out/diff-a.json" 2>"$out/diff-a.err"
rc=$?; "$RAYCTL" diff "$out/rs-a-serve.yaml" --no-color 2>&1 | tee "$out/diff-a.txt"
check "a: diff exits 1 (changes)" test $rc -eq 1 || cat "$out/diff-a.err"
check "a: serveConfigV2 in place, Retriever only reconfigured (user_config), nothing else" djson "$out/diff-a.json" \
  'j["changes"] == [] and j["serve"]["effect"] == "in-place" and [(a["name"], [(d["name"], d["effect"], [f["field"] for f in d["fields"]]) for d in a["deployments"]]) for a in j["serve"]["applications"]] == [("rag", [("Retriever", "in-place", ["user_config.top_k"])])]'
"$RAYCTL" up "$out/rs-a-serve.yaml" --timeout 120 >"$out/up-a.txt" 2>&1
check "a: applied, Ready" test $? -eq 0 || cat "$out/up-a.txt"
check "a: the operator kept the same active RayCluster" test "$(field 'rs["status"]["activeServiceStatus"]["rayClusterName"]')" = "$active0"
top_k=""
for _ in $(seq 1 60); do
  top_k="$(curl -sf -m 5 http://127.0.0.1:8277/api/serve/applications/ | python3 -c 'import json,sys; print(json.load(sys.stdin)["applications"]["rag"]["deployments"]["Retriever"]["deployment_config"]["user_config"]["top_k"])' 2>/dev/null)"
  [[ "$top_k" == 3 ]] && break; sleep 1
done
check "a: the operator applied serveConfigV2 in place: the real Serve's Retriever has top_k 3" test "$top_k" = 3

# c. replicas of the autoscaled group: ignored
"$RAYCTL" -o json diff "$out/rs-c-replicas.yaml" >"$out/diff-c.json" 2>&1
rc=$?; "$RAYCTL" diff "$out/rs-c-replicas.yaml" --no-color 2>&1 | tee "$out/diff-c.txt"
check "c: diff exits 1" test $rc -eq 1
check "c: the replicas change is ignored, nothing else" djson "$out/diff-c.json" \
  '[(c["path"], c["effect"]) for c in j["changes"]] == [("spec.rayClusterConfig.workerGroupSpecs[cpu].replicas", "ignored")] and j["capacity"] is None and (j["serve"] is None or j["serve"]["applications"] == [] or all(a["change"] == "unchanged" for a in j["serve"]["applications"]))'
"$RAYCTL" up "$out/rs-c-replicas.yaml" --timeout 120 >"$out/up-c.txt" 2>&1
check "c: applied" test $? -eq 0 || cat "$out/up-c.txt"
for _ in $(seq 1 30); do  # until the operator has seen the new generation
  [[ "$(field 'rs["status"].get("observedGeneration", 0) >= rs["metadata"]["generation"]')" == True ]] && break; sleep 1
done
sleep 5  # a few more reconciles: anything the operator would do, it does now
check "c: the operator observed the new generation" test "$(field 'rs["status"].get("observedGeneration", 0) >= rs["metadata"]["generation"]')" = True
replicas="$(api "$API/apis/ray.io/v1/namespaces/$NS/rayclusters/$active0" | python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["workerGroupSpecs"][0]["replicas"])')"
check "c: the RayCluster's replicas are unchanged (1)" test "$replicas" = 1
check "c: no new RayCluster" test "$(raycluster_names)" = "$active0"
check "c: no pending cluster" test -z "$(field 'rs["status"].get("pendingServiceStatus", {}).get("rayClusterName", "")')"

# b. worker image: a new cluster, with the capacity it needs
"$RAYCTL" -o json diff "$out/rs-b-image.yaml" >"$out/diff-b.json" 2>&1
rc=$?; "$RAYCTL" diff "$out/rs-b-image.yaml" --no-color 2>&1 | tee "$out/diff-b.txt"
check "b: diff exits 1" test $rc -eq 1
check "b: the image change is new-cluster, nothing else" djson "$out/diff-b.json" \
  '[(c["path"], c["effect"]) for c in j["changes"]] == [("spec.rayClusterConfig.workerGroupSpecs[cpu].template.spec.containers[ray-worker].image", "new-cluster")]'
# head 2 cpu/4Gi + autoscaler sidecar 0.5/512Mi + 2 workers (replicas 2 travels with the new cluster) x 1/2Gi
check "b: capacity needed 4.5 cpu, 8.5Gi, 3 pods, checked against the nodes: fits" djson "$out/diff-b.json" \
  'j["capacity"]["pods"] == 3 and j["capacity"]["needed"]["cpu"] == 4.5 and j["capacity"]["needed"]["memory"] == 8.5 * 2**30 and j["capacity"]["checked"] and j["capacity"]["fits"] and j["capacity"]["free"]["cpu"] > 70'
check "b: the human report names the capacity" grep -q "the new RayCluster asks for 4.5 cpu" "$out/diff-b.txt"
check "b: notes the replicas the active RayCluster never took (case c)" \
  grep -q "the active RayCluster $active0 has workerGroupSpecs\[cpu\].replicas 1, the live RayService 2" "$out/diff-b.txt"
"$RAYCTL" up "$out/rs-b-image.yaml" --no-wait >"$out/up-b.txt" 2>&1
check "b: applied" test $? -eq 0 || cat "$out/up-b.txt"
pending=""
for _ in $(seq 1 60); do
  pending="$(field 'rs["status"].get("pendingServiceStatus", {}).get("rayClusterName", "")')"
  [[ -n "$pending" && "$pending" != "$active0" ]] && break
  now="$(field 'rs["status"]["activeServiceStatus"]["rayClusterName"]')"
  [[ "$now" != "$active0" ]] && { pending="$now"; break; }  # already switched over
  sleep 1
done
# The operator names the pending cluster in the status first and creates it on its next reconcile.
for _ in $(seq 1 30); do
  [[ -n "$pending" && " $(raycluster_names) " == *" $pending "* ]] && break; sleep 1
done
echo "pending RayCluster: $pending; RayClusters: $(raycluster_names)"
check "b: the operator built a second RayCluster" bash -c "[[ -n '$pending' && '$pending' != '$active0' && ' $(raycluster_names) ' == *' $pending '* ]]"
check "b: the new RayCluster has the new worker image" bash -c "curl -sS --cacert '$P/ca.crt' --cert '$P/admin.crt' --key '$P/admin.key' \
  '$API/apis/ray.io/v1/namespaces/$NS/rayclusters/$pending' | grep -q 'rayproject/ray:2.53.0-py312'"

# e. a Serve config through the same verb, against the real head's dashboard (--address)
"$RAYCTL" -o json diff "$out/serve-e.yaml" --address http://127.0.0.1:8277 >"$out/diff-e.json" 2>&1
rc=$?; cat "$out/diff-e.json" | head -c 600; echo
check "e: Serve config via --address: exit 1, Retriever user_config in place" bash -c "test $rc -eq 1" &&
  check "e: the serve diff names Retriever top_k 3 -> 5 in place" djson "$out/diff-e.json" \
    'j["kind"] == "serve" and [(d["name"], d["effect"], [(f["field"], f["before"], f["after"]) for f in d["fields"]]) for a in j["serve"]["applications"] for d in a["deployments"]] == [("Retriever", "in-place", [("user_config.top_k", 3, 5)])]'
"$RAYCTL" down "rayservice/$RS" -n "$NS" >/dev/null 2>&1

# f. a RayCluster: replicas scale, a template change reaches only new pods
worker_pods() {
  api "$API/api/v1/namespaces/$NS/pods?labelSelector=ray.io%2Fcluster%3Ddiff-rc,ray.io%2Fgroup%3Dcpu" |
    python3 -c 'import json,sys; print(" ".join(sorted(p["metadata"]["name"] + "=" + p["spec"]["containers"][0]["image"] for p in json.load(sys.stdin)["items"] if not p["metadata"].get("deletionTimestamp"))))'
}
"$RAYCTL" up "$out/rc.yaml" --timeout 120 >"$out/up-f.txt" 2>&1
check "f: RayCluster ready" test $? -eq 0 || cat "$out/up-f.txt"
before_pods="$(worker_pods)"
"$RAYCTL" -o json diff "$out/rc-f.yaml" >"$out/diff-f.json" 2>&1
rc=$?; "$RAYCTL" diff "$out/rc-f.yaml" --no-color 2>&1 | tee "$out/diff-f.txt"
check "f: diff exits 1" test $rc -eq 1
check "f: replicas scale 1 -> 2 pods, the image reaches new pods only" djson "$out/diff-f.json" \
  'sorted((c["path"], c["effect"]) for c in j["changes"]) == [("spec.workerGroupSpecs[cpu].replicas", "scale"), ("spec.workerGroupSpecs[cpu].template.spec.containers[ray-worker].image", "new-pods-only")] and any("1 → 2 pods" in c["reason"] for c in j["changes"])'
"$RAYCTL" up "$out/rc-f.yaml" --timeout 120 >"$out/up-f2.txt" 2>&1
check "f: applied, ready" test $? -eq 0 || cat "$out/up-f2.txt"
after_pods="$(worker_pods)"
echo "worker pods before: $before_pods; after: $after_pods"
check "f: the running worker kept its pod and old image; one new pod with the new image" bash -c \
  "[[ ' $after_pods ' == *' $before_pods '* && '$after_pods' == *'=rayproject/ray:2.53.0-py312'* && \$(wc -w <<<'$after_pods') -eq 2 ]]"
"$RAYCTL" down raycluster/diff-rc -n "$NS" >/dev/null 2>&1

# d. the launcher file of the loopback head, against its record
RAYCTL_STATE_DIR="$ray_state" "$RAYCTL" diff "$out/ray-head.yaml" >"$out/diff-d0.txt" 2>&1
check "d: launcher file as applied: exit 0" test $? -eq 0 || cat "$out/diff-d0.txt"
sed 's/--num-cpus=2/--num-cpus=1/' "$out/ray-head.yaml" >"$out/ray-head-1cpu.yaml"
RAYCTL_STATE_DIR="$ray_state" "$RAYCTL" -o json diff "$out/ray-head-1cpu.yaml" >"$out/diff-d.json" 2>&1
rc=$?; RAYCTL_STATE_DIR="$ray_state" "$RAYCTL" diff "$out/ray-head-1cpu.yaml" --no-color 2>&1 | tee "$out/diff-d.txt"
check "d: a start flag changed: exit 1, the head restarts with the command diff" bash -c "test $rc -eq 1" &&
  check "d: head action start, reason start commands changed, restarts running Ray, old and new command" djson "$out/diff-d.json" \
    'j["nodes"][0]["action"] == "start" and j["nodes"][0]["reason"] == "start commands changed" and j["nodes"][0]["restarts_running"] and any("--num-cpus=2" in c for c in j["nodes"][0]["commands"]["start"]["before"]) and any("--num-cpus=1" in c for c in j["nodes"][0]["commands"]["start"]["after"])'
exit $fail
