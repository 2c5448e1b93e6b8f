#!/usr/bin/env bash
# End-to-end test of rayctl's Kubernetes path against the real rig (scripts/k8s/rig.sh):
# kube-apiserver + etcd + scheduler + controller-manager + kwok + the KubeRay operator, driven
# through the same verbs as SSH clusters (up, status, down, serve deploy, serve status).
#   1. every sample manifest passes a server-side dry run (the real CRD schema)
#   2. up of the CPU RayCluster → operator creates pods → kwok runs them → ready, pods per group
#   3. status -o json agrees; down → the object and its pods are gone
#   4. a RayCluster asking for more GPUs than the nodes hold → Pending pods named with the
#      scheduler's reason, exit 5 (timeout)
#   5. an invalid template → the apiserver's 422 at the manifest's line
#   6. a RayService → progress and why it is not Ready (no real Ray head: the operator's
#      dashboard calls go to a loopback proxy port where nothing listens); serve status names
#      the reasons; serve deploy --cluster rayservice/NAME sets its serveConfigV2 in place
#   7. kubeconfig tls-server-name is the name the apiserver's certificate is checked against
#   8. a RayService reaches Ready against a real Ray head on loopback: `rayctl up` of a local
#      launcher file starts Ray (ports 6375/8275, Serve 8075), and ray_loopback_proxy.py takes
#      the rig's HTTP_PROXY port so the operator's dashboard calls and Serve health checks for
#      the kwok pods reach that head; the RAG app is deployed by the operator from serveConfigV2
#      and answers
#   9. the LLM worker's RayService (rayctl_llm app) reaches Ready on that head and answers a chat
# Usage: kube_e2e_test.sh RAYCTL_BINARY SOURCE_DIR. Exit 77 (skip) only when Go is missing.
set -uo pipefail
RAYCTL="$1"; SRC="$2"
here="$SRC/tests/integration/kube"
if ! command -v go >/dev/null; then echo "SKIP: no Go toolchain to build the Kubernetes rig"; exit 77; fi
export RAYCTL_K8S_STATE="${RAYCTL_K8S_STATE:-/tmp/rayctl-k8s-test-$(id -u)}"
export RAYCTL_K8S_PORT_BASE="${RAYCTL_K8S_PORT_BASE:-16500}"
fail=0
check() {  # check <description> <condition...>
  local what="$1"; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; fail=1; fi
}
RAY_CLUSTER=rayctl-kube-it
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
  --data-binary '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ray-serving"}}' \
  "$API/api/v1/namespaces/ray-serving?fieldManager=rayctl-test"
out="$(mktemp -d)"

# 1. the samples against the real CRD schema (server-side dry run, nothing stored)
for m in "$SRC"/manifests/kuberay/*.yaml; do
  "$RAYCTL" up "$m" --dry-run >"$out/dry.txt" 2>&1
  check "server-side dry run accepts $(basename "$m")" test $? -eq 0 || cat "$out/dry.txt"
done

# 2. up → ready
"$RAYCTL" up "$SRC/manifests/kuberay/raycluster-cpu.yaml" --timeout 180 >"$out/up.txt" 2>&1
rc=$?; cat "$out/up.txt"
check "up of raycluster-cpu exits 0" test $rc -eq 0
check "up reports ready" grep -q "RayCluster ray-serving/ray-demo-cluster: ready" "$out/up.txt"
check "up shows the head group" grep -Eq "^headgroup +1 +1 +1 +1" "$out/up.txt"

# 3. status and down
"$RAYCTL" -o json status ray-demo-cluster -n ray-serving >"$out/status.json"
check "status -o json says ready with 3 live pods" python3 - "$out/status.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
groups = {g["name"]: g for g in j["raycluster"]["groups"]}
sys.exit(0 if j["ready"] and j["live_pods"] == 3 and groups["headgroup"]["ready"] == 1 and sum(g["ready"] for g in groups.values()) == 3 else 1)
PY
"$RAYCTL" status raycluster/ray-demo-cluster -n ray-serving >"$out/status.txt" 2>&1
rc=$?
check "status raycluster/NAME: exit 0, ready" bash -c "test $rc -eq 0 && grep -q ready '$out/status.txt'" || cat "$out/status.txt"
"$RAYCTL" down ray-demo-cluster -n ray-serving >"$out/down.txt" 2>&1
rc=$?; cat "$out/down.txt"
check "down exits 0" test $rc -eq 0
check "the RayCluster is gone" test "$(api -o /dev/null -w '%{http_code}' "$API/apis/ray.io/v1/namespaces/ray-serving/rayclusters/ray-demo-cluster")" = 404
check "its pods are gone" bash -c "! curl -sS --cacert '$P/ca.crt' --cert '$P/admin.crt' --key '$P/admin.key' '$API/api/v1/namespaces/ray-serving/pods?labelSelector=ray.io%2Fcluster%3Dray-demo-cluster' | grep -q '\"name\":\"ray-demo-cluster'"

# 4. more GPUs than the nodes hold
"$RAYCTL" up "$here/raycluster-too-many-gpus.yaml" --timeout 25 >"$out/gpu.txt" 2>&1
rc=$?; cat "$out/gpu.txt"
check "too many GPUs: exit 5 (timeout)" test $rc -eq 5
check "too many GPUs: the Pending worker pod is named" grep -Eq "\[kubernetes\] pod too-many-gpus-big-gpu-worker-[a-z0-9]+ \(big-gpu\): Pending, not scheduled" "$out/gpu.txt"
check "too many GPUs: the scheduler's reason" grep -q "Insufficient nvidia.com/gpu" "$out/gpu.txt"
"$RAYCTL" down raycluster/too-many-gpus >/dev/null 2>&1

# 5. the apiserver's 422 at the manifest's line
"$RAYCTL" up "$here/raycluster-invalid.yaml" >"$out/invalid.txt" 2>&1
rc=$?; cat "$out/invalid.txt"
check "invalid manifest: exit 1" test $rc -eq 1
check "invalid manifest: shown at line 15" grep -q "raycluster-invalid.yaml:15:" "$out/invalid.txt"
check "invalid manifest: names the field path" grep -q "spec.headGroupSpec.template.spec.terminationGracePeriodSeconds" "$out/invalid.txt"

# 6. a RayService: progress and why it is not Ready
"$RAYCTL" up "$SRC/manifests/kuberay/rayservice-rag.yaml" --timeout 40 >"$out/rs.txt" 2>&1
rc=$?; cat "$out/rs.txt"
check "rayservice: exit 5 (not Ready within the timeout)" test $rc -eq 5
check "rayservice: its cluster's pods became ready" grep -Eq "cluster rag-pipeline-[a-z0-9]+ [0-9]+/[0-9]+ pods ready" "$out/rs.txt"
check "rayservice: says why it is not Ready" grep -Eq "^\s+\[(serve|kuberay)\] " "$out/rs.txt"
"$RAYCTL" serve status --cluster rayservice/rag-pipeline -n ray-serving >"$out/ss.txt" 2>&1
rc=$?; cat "$out/ss.txt"
check "serve status --cluster rayservice/NAME: exit 3 (not ready yet)" test $rc -eq 3
check "serve status: says why it is not Ready" grep -Eq "^\s+\[(serve|kuberay)\] " "$out/ss.txt"
cat >"$out/serve.yaml" <<'YAML'
applications:
  - name: rag
    route_prefix: /
    import_path: rag:app
    deployments:
      - name: Retriever
        user_config:
          top_k: 3
YAML
"$RAYCTL" serve deploy "$out/serve.yaml" --cluster rayservice/rag-pipeline -n ray-serving --timeout 15s >"$out/sd.txt" 2>&1
rc=$?; cat "$out/sd.txt"
check "serve deploy on a RayService: exit 5 (applications not RUNNING within the timeout)" test $rc -eq 5
check "serve deploy: serveConfigV2 updated in place on the apiserver" bash -c \
  "curl -sS --cacert '$P/ca.crt' --cert '$P/admin.crt' --key '$P/admin.key' '$API/apis/ray.io/v1/namespaces/ray-serving/rayservices/rag-pipeline' \
   | python3 -c 'import json,sys; c=json.load(sys.stdin)[\"spec\"][\"serveConfigV2\"]; sys.exit(0 if \"top_k: 3\" in c else 1)'"
"$RAYCTL" serve deploy "$out/serve.yaml" --cluster raycluster/ray-demo-cluster -n ray-serving >"$out/sdrc.txt" 2>&1
rc=$?
check "serve deploy on a RayCluster target: usage error naming RayService" bash -c "test $rc -eq 2 && grep -q 'not a RayService' '$out/sdrc.txt'" || cat "$out/sdrc.txt"
"$RAYCTL" down rayservice/rag-pipeline -n ray-serving >"$out/rsdown.txt" 2>&1
check "rayservice: down removes it and its pods" test $? -eq 0 || cat "$out/rsdown.txt"

# 7. tls-server-name: the certificate (SANs 127.0.0.1, localhost, kubernetes, kubernetes.default, ...)
# is checked against that name, not the server's address — a name outside the SANs must fail.
with_sni() { sed "s|^    server: .*|&\n    tls-server-name: $1|" "$KUBECONFIG" >"$out/sni-$1.kubeconfig"; echo "$out/sni-$1.kubeconfig"; }
"$RAYCTL" up "$SRC/manifests/kuberay/raycluster-cpu.yaml" --dry-run --kubeconfig "$(with_sni kubernetes.default)" >"$out/sni-ok.txt" 2>&1
check "tls-server-name in the certificate: accepted" test $? -eq 0 || cat "$out/sni-ok.txt"
"$RAYCTL" up "$SRC/manifests/kuberay/raycluster-cpu.yaml" --dry-run --kubeconfig "$(with_sni not-in-the-cert.example)" >"$out/sni-bad.txt" 2>&1
rc=$?; cat "$out/sni-bad.txt"
check "tls-server-name outside the certificate: exit 7 (TLS verification)" test $rc -eq 7
check "tls-server-name outside the certificate: names the name" grep -q "not-in-the-cert.example" "$out/sni-bad.txt"

# 8. a RayService reaches Ready against a real Ray head on loopback
source "$here/loopback_ray.sh"  # instance 5: GCS 6375, dashboard 8275, Serve 8075, workers 24000-24199
loopback_ray_head "$out" 5 >"$out/rayup.txt" 2>&1
check "real Ray head on loopback: rayctl up exits 0" test $? -eq 0 || cat "$out/rayup.txt"
apps_zip "$out/apps.zip"
"$VENV/bin/python" - "$SRC/manifests/serve/rag.yaml" "$out/apps.zip" "$out/rayservice-real.yaml" <<'PY'
import sys, yaml
serve = yaml.safe_load(open(sys.argv[1]))
serve["http_options"] = {"host": "127.0.0.1", "port": 8075}
serve["applications"][0]["runtime_env"] = {"working_dir": "file://" + sys.argv[2]}
ports = [{"containerPort": p, "name": n} for p, n in ((6379, "gcs-server"), (8265, "dashboard"), (10001, "client"), (8000, "serve"))]
rs = {"apiVersion": "ray.io/v1", "kind": "RayService",
      "metadata": {"name": "rag-real", "namespace": "ray-serving"},
      "spec": {"serveConfigV2": yaml.safe_dump(serve, sort_keys=False),
               "rayClusterConfig": {"rayVersion": "2.53.0", "headGroupSpec": {
                   "rayStartParams": {"dashboard-host": "0.0.0.0"},
                   "template": {"spec": {"containers": [{"name": "ray-head", "image": "rayproject/ray:2.53.0", "ports": ports,
                       "resources": {"requests": {"cpu": "2", "memory": "4Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}}}]}}}}}}
yaml.safe_dump(rs, open(sys.argv[3], "w"), sort_keys=False)
PY
"$RAYCTL" up "$out/rayservice-real.yaml" --timeout 240 >"$out/rsreal.txt" 2>&1
rc=$?; cat "$out/rsreal.txt"
check "rayservice on a real head: up exits 0 (Ready)" test $rc -eq 0 || tail -n 30 "$out/proxy.log"
check "rayservice on a real head: reports ready" grep -q "RayService ray-serving/rag-real: ready" "$out/rsreal.txt"
"$RAYCTL" -o json serve status --cluster rayservice/rag-real -n ray-serving >"$out/rsreal.json" 2>&1
check "rayservice on a real head: serve status exit 0, app rag RUNNING" python3 - "$out/rsreal.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
apps = j["rayservice"]["active_apps"]
sys.exit(0 if j["ready"] and any(a["name"] == "rag" and a["status"] == "RUNNING" for a in apps) else 1)
PY
check "rayservice on a real head: the operator's calls went to the real dashboard" grep -q "PUT http://rag-real-.*:8265/api/serve/applications/" "$out/proxy.log"
curl -sf -m 20 http://127.0.0.1:8075/ -H 'Content-Type: application/json' -d '{"query": "How does KubeRay run Ray?"}' >"$out/answer.json"
check "rayservice on a real head: the RAG app answers with a context" python3 -c "import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))['context'] else 1)" "$out/answer.json"
"$RAYCTL" down rayservice/rag-real -n ray-serving >"$out/rsrealdown.txt" 2>&1
check "rayservice on a real head: down" test $? -eq 0 || cat "$out/rsrealdown.txt"

# 9. the LLM worker's RayService (manifests/kuberay/rayservice-inference.yaml, #13) on the same
#    head: its serveConfigV2 with the kwok pod's paths replaced by this machine's (the rayctl
#    binary, the real SmolLM2 GGUF, the rayctl_llm package as a working_dir zip), CPU device.
MODEL="${RAYCTL_MODEL:-}"
[[ -n "$MODEL" && -s "$MODEL" ]] || MODEL="$(bash "$SRC/scripts/fetch-model.sh")"
python3 - "$SRC/manifests/apps/rayctl_llm" "$out/llm.zip" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1:3]
with zipfile.ZipFile(dst, "w") as z:
    for f in sorted(os.listdir(os.path.join(src, "rayctl_llm"))):
        if f.endswith(".py"):
            z.write(os.path.join(src, "rayctl_llm", f), "app/rayctl_llm/" + f)
PY
"$VENV/bin/python" - "$SRC/manifests/kuberay/rayservice-inference.yaml" "$out/llm.zip" "$RAYCTL" "$MODEL" \
  "$out/rayservice-llm.yaml" <<'PY'
import sys, yaml
rs = yaml.safe_load(open(sys.argv[1]))
serve = yaml.safe_load(rs["spec"]["serveConfigV2"])
serve["http_options"] = {"host": "127.0.0.1", "port": 8075}
app = serve["applications"][0]
app["runtime_env"] = {"working_dir": "file://" + sys.argv[2]}
app["args"].update({"rayctl": sys.argv[3], "model": sys.argv[4], "device": "cpu", "parallel": 2, "ctx": 512})
app["deployments"][0]["ray_actor_options"] = {"num_cpus": 1}
rs["metadata"]["name"] = "llm-real"
for g in rs["spec"]["rayClusterConfig"]["workerGroupSpecs"]:  # kwok has no PVC: the volume stays out
    g["template"]["spec"].pop("volumes", None)
    for c in g["template"]["spec"]["containers"]:
        c.pop("volumeMounts", None)
rs["spec"]["serveConfigV2"] = yaml.safe_dump(serve, sort_keys=False)
yaml.safe_dump(rs, open(sys.argv[5], "w"), sort_keys=False)
PY
"$RAYCTL" up "$out/rayservice-llm.yaml" --timeout 240 >"$out/rsllm.txt" 2>&1
rc=$?; cat "$out/rsllm.txt"
check "llm rayservice on a real head: up exits 0 (Ready)" test $rc -eq 0 || tail -n 30 "$out/proxy.log"
# Ready means Serve endpoints exist; the replica may still be loading the model, and until the
# operator's PUT replaces them the head still runs step 8's applications (the RAG app at / answers
# this path with its own JSON, and its endpoints can make the RayService Ready early): bounded
# wait for a chat completion.
is_chat() { python3 -c "import json,sys; sys.exit(0 if 'choices' in json.load(open(sys.argv[1])) else 1)" "$1" 2>/dev/null; }
for _ in $(seq 1 120); do
  curl -sf -m 60 http://127.0.0.1:8075/llm/v1/chat/completions -H 'Content-Type: application/json' \
    -d '{"messages":[{"role":"user","content":"Say hello."}],"max_tokens":8,"temperature":0}' >"$out/llm.json" &&
    is_chat "$out/llm.json" && break
  sleep 1
done
check "llm rayservice on a real head: the worker answers a chat request through Serve" python3 -c \
  "import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))['choices'][0]['message']['content'] else 1)" "$out/llm.json"
"$RAYCTL" down rayservice/llm-real -n ray-serving >"$out/rsllmdown.txt" 2>&1
check "llm rayservice on a real head: down" test $? -eq 0 || cat "$out/rsllmdown.txt"
exit $fail
