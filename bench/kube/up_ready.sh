#!/usr/bin/env bash
# Benchmark on the Kubernetes rig (scripts/k8s/rig.sh): time from `up` to ready of the sample
# CPU RayCluster, rayctl (`rayctl up MANIFEST`, SSA + watch) vs `kubectl apply --server-side` +
# `kubectl wait --for=condition=RayClusterProvisioned`, and `rayctl status` latency.
# rayctl's own overhead = its wall time − the time the operator/kwok need (rayctl's own
# "ready after" measurement, taken from the watch). Bounded: N rounds (default 5).
#   bench/kube/up_ready.sh BUILD_DIR [ROUNDS]
set -euo pipefail
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RAYCTL="$1/cli/rayctl"; N="${2:-5}"
[[ -x "$RAYCTL" ]] || RAYCTL="$1/rayctl"
bin="$("$src/scripts/k8s/build.sh" --with-kubectl)"
eval "export $("$src/scripts/k8s/rig.sh" up | tail -n 1)"
K="$bin/kubectl"; M="$src/manifests/kuberay/raycluster-cpu.yaml"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"; [[ -n "${RAYCTL_K8S_KEEP:-}" ]] || "$src/scripts/k8s/rig.sh" down' EXIT
"$K" create namespace ray-serving >/dev/null 2>&1 || true
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
printf '%-6s %-18s %-10s %-10s %-12s %-22s %-16s\n' round rayctl_up_ready_ms apply_ms wait_ms overhead_ms kubectl_apply_wait_ms rayctl_status_ms
for i in $(seq "$N"); do
  t0=$(now); "$RAYCTL" -q -o json up "$M" --timeout 120 >"$tmp/up.json"; t1=$(now)
  # rayctl's own time: wall − the SSA request − the wait the watch reported (process start,
  # kubeconfig, TLS handshake, printing).
  read -r apply wait < <(python3 -c "import json; j=json.load(open('$tmp/up.json')); print(round(j['apply_ms']), round(j['wait_ms']))")
  s0=$(now); "$RAYCTL" status ray-demo-cluster -n ray-serving >/dev/null; s1=$(now)
  "$RAYCTL" -q down ray-demo-cluster -n ray-serving >/dev/null
  k0=$(now)
  "$K" apply --server-side -f "$M" >/dev/null
  "$K" wait -n ray-serving raycluster/ray-demo-cluster --for=condition=RayClusterProvisioned --timeout=120s >/dev/null
  k1=$(now)
  "$RAYCTL" -q down ray-demo-cluster -n ray-serving >/dev/null
  up_ms=$(ms "$t0" "$t1")
  printf '%-6s %-18s %-10s %-10s %-12s %-22s %-16s\n' "$i" "$up_ms" "$apply" "$wait" "$((up_ms - apply - wait))" \
    "$(ms "$k0" "$k1")" "$(ms "$s0" "$s1")"
done
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
