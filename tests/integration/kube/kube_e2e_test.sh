#!/usr/bin/env bash
# End-to-end test of rayctl's Kubernetes path against the real rig (scripts/k8s/rig.sh):
# kube-apiserver + etcd + scheduler + controller-manager + kwok + the KubeRay operator.
#   1. every sample manifest passes a server-side dry run (the real CRD schema)
#   2. up of the CPU RayCluster → operator creates pods → kwok runs them → ready, pods per group
#   3. status -o json agrees; down → the object and its pods are gone
#   4. a RayCluster asking for more GPUs than the nodes hold → Pending pods named with the
#      scheduler's reason, exit 5 (timeout)
#   5. an invalid template → the apiserver's 422 at the manifest's line
#   6. a RayService → progress and why it is not Ready (no real Ray head: the operator's
#      dashboard calls go to a loopback proxy port where nothing listens)
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
cleanup() { [[ -n "${RAYCTL_K8S_KEEP:-}" ]] || "$SRC/scripts/k8s/rig.sh" down; }
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
  "$RAYCTL" kube up "$m" --dry-run=server >"$out/dry.txt" 2>&1
  check "server-side dry run accepts $(basename "$m")" test $? -eq 0 || cat "$out/dry.txt"
done

# 2. up → ready
"$RAYCTL" kube up "$SRC/manifests/kuberay/raycluster-cpu.yaml" --timeout 180s >"$out/up.txt" 2>&1
rc=$?; cat "$out/up.txt"
check "up of raycluster-cpu exits 0" test $rc -eq 0
check "up reports ready" grep -q "RayCluster ray-serving/ray-demo-cluster: ready" "$out/up.txt"
check "up shows the head group" grep -Eq "^headgroup +1 +1 +1 +1" "$out/up.txt"

# 3. status and down
"$RAYCTL" -o json kube status ray-demo-cluster -n ray-serving >"$out/status.json"
check "status -o json says ready with 3 live pods" python3 - "$out/status.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
groups = {g["name"]: g for g in j["raycluster"]["groups"]}
sys.exit(0 if j["ready"] and j["live_pods"] == 3 and groups["headgroup"]["ready"] == 1 and sum(g["ready"] for g in groups.values()) == 3 else 1)
PY
"$RAYCTL" kube down ray-demo-cluster -n ray-serving --timeout 120s >"$out/down.txt" 2>&1
rc=$?; cat "$out/down.txt"
check "down exits 0" test $rc -eq 0
check "the RayCluster is gone" test "$(api -o /dev/null -w '%{http_code}' "$API/apis/ray.io/v1/namespaces/ray-serving/rayclusters/ray-demo-cluster")" = 404
check "its pods are gone" bash -c "! curl -sS --cacert '$P/ca.crt' --cert '$P/admin.crt' --key '$P/admin.key' '$API/api/v1/namespaces/ray-serving/pods?labelSelector=ray.io%2Fcluster%3Dray-demo-cluster' | grep -q '\"name\":\"ray-demo-cluster'"

# 4. more GPUs than the nodes hold
"$RAYCTL" kube up "$here/raycluster-too-many-gpus.yaml" --timeout 25s >"$out/gpu.txt" 2>&1
rc=$?; cat "$out/gpu.txt"
check "too many GPUs: exit 5 (timeout)" test $rc -eq 5
check "too many GPUs: the Pending worker pod is named" grep -Eq "\[kubernetes\] pod too-many-gpus-big-gpu-worker-[a-z0-9]+ \(big-gpu\): Pending, not scheduled" "$out/gpu.txt"
check "too many GPUs: the scheduler's reason" grep -q "Insufficient nvidia.com/gpu" "$out/gpu.txt"
"$RAYCTL" kube down raycluster/too-many-gpus --timeout 60s >/dev/null 2>&1

# 5. the apiserver's 422 at the manifest's line
"$RAYCTL" kube up "$here/raycluster-invalid.yaml" >"$out/invalid.txt" 2>&1
rc=$?; cat "$out/invalid.txt"
check "invalid manifest: exit 1" test $rc -eq 1
check "invalid manifest: shown at line 15" grep -q "raycluster-invalid.yaml:15:" "$out/invalid.txt"
check "invalid manifest: names the field path" grep -q "spec.headGroupSpec.template.spec.terminationGracePeriodSeconds" "$out/invalid.txt"

# 6. a RayService: progress and why it is not Ready
"$RAYCTL" kube up "$SRC/manifests/kuberay/rayservice-rag.yaml" --timeout 40s >"$out/rs.txt" 2>&1
rc=$?; cat "$out/rs.txt"
check "rayservice: exit 5 (not Ready within the timeout)" test $rc -eq 5
check "rayservice: its cluster's pods became ready" grep -Eq "cluster rag-pipeline-[a-z0-9]+ [0-9]+/[0-9]+ pods ready" "$out/rs.txt"
check "rayservice: says why it is not Ready" grep -Eq "^\s+\[(serve|kuberay)\] " "$out/rs.txt"
"$RAYCTL" kube down rayservice/rag-pipeline -n ray-serving --timeout 90s >"$out/rsdown.txt" 2>&1
check "rayservice: down removes it and its pods" test $? -eq 0 || cat "$out/rsdown.txt"
exit $fail
