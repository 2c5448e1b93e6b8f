#!/usr/bin/env bash
# `rayctl doctor` against the real Kubernetes rig (scripts/k8s/rig.sh: kube-apiserver, etcd,
# scheduler, controller-manager, kwok, the KubeRay operator with leader election on), with faults
# injected one at a time; each must give `rayctl -o json doctor` exit 4, the broken layer, the
# first failing check's ID and an evidence line:
#   1. head and worker images with different Ray versions        → pods     DR174
#   2. worker pods Pending for GPUs (more than any node has)     → pods     DR171 "Insufficient nvidia.com/gpu"
#   3. a RayService whose head has no port named serve           → kuberay  DR164
#   4. a healthy RayService, Ready on a real Ray head on loopback → exit 0, every layer ok, < 2 s (3 timings)
#   5. the KubeRay operator stopped (rig.sh stop-operator)      → kuberay  DR161, then healthy again
#   6. a RayService whose serveConfigV2 has a bad import_path    → serve    DR404 with the import error
# The Ray, dashboard, Serve and app layers are reached the way rayctl reaches them on any cluster:
# through the API server's service proxy. The rig's kube-apiserver sends those requests through
# HTTP_PROXY, where ray_loopback_proxy.py forwards them (and the operator's) to a real Ray head
# started by `rayctl up` of a local launcher file: GCS 6376, dashboard 8276, Serve 8076, client
# 10076, agent 52376, workers 24200-24399 (integration_kube_e2e uses 6375/8275/...).
# Usage: doctor.sh RAYCTL_BINARY SOURCE_DIR. Exit 77 (skip) only when Go is missing.
set -uo pipefail
RAYCTL="$1"; SRC="$2"
here="$SRC/tests/integration/kube"
if ! command -v go >/dev/null; then echo "SKIP: no Go toolchain to build the Kubernetes rig"; exit 77; fi
export RAYCTL_K8S_STATE="${RAYCTL_K8S_STATE:-/tmp/rayctl-k8s-doctor}"
export RAYCTL_K8S_PORT_BASE="${RAYCTL_K8S_PORT_BASE:-16600}"
fail=0
check() {  # check <description> <condition...>
  local what="$1"; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; fail=1; fi
}
cleanup() {
  doctor_ray_head_down
  "$SRC/scripts/k8s/rig.sh" start-operator >/dev/null 2>&1  # in case step 5 stopped it
  [[ -n "${RAYCTL_K8S_KEEP:-}" ]] || "$SRC/scripts/k8s/rig.sh" down
  [[ -n "${out:-}" ]] && rm -rf "$out"
}
trap cleanup EXIT
eval "$("$SRC/scripts/k8s/rig.sh" up | tail -n 1 | sed 's/^/export /')" || { echo "FAIL - rig did not start"; exit 1; }
out="$(mktemp -d)"

# The finding of one doctor run: "EXIT broken_layer first_failure.id" plus evidence lines.
verdict() {  # verdict <json file> <rc>
  python3 - "$1" "$2" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except ValueError:
    print(sys.argv[2], "no-json", "-"); sys.exit(0)
f = j.get("first_failure") or {}
print(sys.argv[2], j.get("broken_layer") or "none", f.get("id", "-"))
for e in f.get("evidence", []):
    print("evidence:", e)
PY
}
# Reruns doctor on <target> until its first failure is <id> (the fault can take a moment to show).
doctor_until() {  # doctor_until <target> <id> <seconds> <name>
  local target="$1" id="$2" deadline=$((SECONDS + $3)) name="$4" rc
  while :; do
    "$RAYCTL" -o json doctor "$target" >"$out/$name.json" 2>"$out/$name.err"
    rc=$?
    verdict "$out/$name.json" "$rc" >"$out/$name.verdict"
    grep -q "^[0-9]* [a-z-]* $id\$" "$out/$name.verdict" && break
    (( SECONDS >= deadline )) && break
    sleep 1
  done
  cat "$out/$name.verdict"
}
expect_fault() {  # expect_fault <name> <layer> <id> <evidence regex>
  local name="$1" layer="$2" id="$3" evidence="$4"
  check "$name: exit 4, broken layer $layer, first failure $id" \
    grep -qx "4 $layer $id" <(head -n 1 "$out/$name.verdict")
  check "$name: evidence /$evidence/" grep -Eq "^evidence: .*$evidence" "$out/$name.verdict"
}

# The real Ray head on loopback, the proxy that sends the kwok pods' traffic to it, the manifests.
source "$here/doctor_lib.sh"
doctor_ray_head "$out" >"$out/rayup.txt" 2>&1
check "real Ray head on loopback: rayctl up exits 0" test $? -eq 0 || cat "$out/rayup.txt"
doctor_manifests "$out"

# 1. head and worker images with different Ray versions
"$RAYCTL" up "$out/mixed-versions.yaml" --timeout 60 >"$out/mixed-up.txt" 2>&1
check "mixed versions: the RayCluster becomes ready (kwok runs any image)" test $? -eq 0 || cat "$out/mixed-up.txt"
doctor_until raycluster/mixed-versions DR174 10 mixed
expect_fault mixed pods DR174 "worker group small: image rayproject/ray:2.52.1 → Ray 2.52.1"
"$RAYCTL" down raycluster/mixed-versions --no-wait >/dev/null 2>&1

# 2. worker pods Pending for GPUs
"$RAYCTL" up "$here/raycluster-too-many-gpus.yaml" --no-wait >"$out/gpu-up.txt" 2>&1
check "too many GPUs: applied" test $? -eq 0 || cat "$out/gpu-up.txt"
doctor_until raycluster/too-many-gpus DR171 30 gpu
expect_fault gpu pods DR171 "Pending, not scheduled: .*Insufficient nvidia.com/gpu"
"$RAYCTL" down raycluster/too-many-gpus --no-wait >/dev/null 2>&1

# 3. a RayService whose head has no port named serve. `rayctl up` refuses it (RL207), so it is
#    applied the way kubectl would: a server-side apply of the manifest as JSON.
"$RAYCTL" up "$out/no-serve-port.yaml" --dry-run >"$out/nsp-dry.txt" 2>&1
check "no serve port: rayctl up refuses it (RL207)" grep -q "RL207" "$out/nsp-dry.txt"
P="$RAYCTL_K8S_STATE/pki"
API="$(sed -n 's/.*server: //p' "$KUBECONFIG")"
"$VENV/bin/python" -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)' \
  "$out/no-serve-port.yaml" >"$out/no-serve-port.json"
curl -sS -f -o "$out/nsp-up.txt" --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" -X PATCH \
  -H 'Content-Type: application/apply-patch+yaml' --data-binary @"$out/no-serve-port.json" \
  "$API/apis/ray.io/v1/namespaces/default/rayservices/no-serve-port?fieldManager=rayctl-test&force=true"
check "no serve port: applied" test $? -eq 0 || cat "$out/nsp-up.txt"
doctor_until rayservice/no-serve-port DR164 10 nsp
expect_fault nsp kuberay DR164 "head container ray-head ports: gcs-server 6379, dashboard 8265, client 10001"
"$RAYCTL" down rayservice/no-serve-port >/dev/null 2>&1

# 4. healthy: exit 0, every layer ok, under 2 s — three timings
"$RAYCTL" up "$out/healthy.yaml" --timeout 240 >"$out/healthy-up.txt" 2>&1
check "healthy RayService: Ready on the loopback head" test $? -eq 0 || { cat "$out/healthy-up.txt"; tail -n 20 "$out/proxy.log"; }
timings=(); walks=()
for i in 1 2 3; do
  t0=$(date +%s%N)
  "$RAYCTL" -o json doctor rayservice/doctor-rag >"$out/healthy-$i.json" 2>"$out/healthy-$i.err"
  rc=$?
  timings+=("$(( ($(date +%s%N) - t0) / 1000000 )) ms")
  walks+=("$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["seconds"])' "$out/healthy-$i.json" 2>/dev/null) s")
  check "healthy run $i: exit 0, every layer ok, walked in < 2 s" python3 - "$out/healthy-$i.json" "$rc" <<'PY' || cat "$out/healthy-$i.json"
import json, sys
j = json.load(open(sys.argv[1]))
layers = {l["name"]: l["state"] for l in j["layers"]}
want = ["kubernetes", "kuberay", "pods", "ray", "dashboard", "serve", "resources", "app"]
ok = sys.argv[2] == "0" and j["healthy"] and all(layers.get(l) in ("ok", "warn") for l in want)
ok = ok and all(layers[l] == "ok" for l in want) and j["seconds"] < 2.0
sys.exit(0 if ok else 1)
PY
done
echo "# healthy doctor on the kube rig: wall clock (rayctl start to exit) ${timings[*]}; the report's seconds ${walks[*]}"
"$RAYCTL" doctor rayservice/doctor-rag -v >"$out/healthy.txt" 2>&1
check "healthy: the human report says so" grep -q "^Healthy: every layer passed" "$out/healthy.txt" || cat "$out/healthy.txt"
# What the API server's service proxy sent on carries its own address (ray_loopback_proxy.py).
check "healthy: the dashboard went through the API server's service proxy" \
  grep -q "GET http://127.0.0.1:$((RAYCTL_K8S_PORT_BASE + 43))/api/ray/version" "$out/proxy.log"

# 5. the KubeRay operator stopped: its Lease goes stale within its 15 s duration
"$SRC/scripts/k8s/rig.sh" stop-operator
doctor_until rayservice/doctor-rag DR161 40 operator
expect_fault operator kuberay DR161 "Lease kuberay-system/ray-operator-leader held by .*, renewed [0-9]+ s ago"
"$SRC/scripts/k8s/rig.sh" start-operator
"$RAYCTL" -o json doctor rayservice/doctor-rag >"$out/operator-back.json" 2>&1
check "operator started again: doctor exit 0" test $? -eq 0 || verdict "$out/operator-back.json" "?"

# 6. a RayService with a bad import_path (the healthy one goes first: both would deploy to one head)
"$RAYCTL" down rayservice/doctor-rag >/dev/null 2>&1
"$RAYCTL" up "$out/bad-import.yaml" --no-wait >"$out/bad-up.txt" 2>&1
check "bad import_path: applied" test $? -eq 0 || cat "$out/bad-up.txt"
doctor_until rayservice/bad-import DR404 120 badimport
expect_fault badimport serve DR404 "No module named 'no_such_module'"
"$RAYCTL" down rayservice/bad-import >/dev/null 2>&1
exit $fail
