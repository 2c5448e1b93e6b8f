#!/usr/bin/env bash
# Benchmark on the Kubernetes rig (scripts/k8s/rig.sh): time from `up` to ready of the sample
# CPU RayCluster, rayctl (`rayctl kube up`, SSA + watch) vs `kubectl apply --server-side` +
# `kubectl wait --for=condition=RayClusterProvisioned`, and `rayctl kube status` latency.
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
"$K" create namespace ray-serving >/dev/null 2>&1 || true
now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
printf '%-6s %-22s %-22s %-16s\n' round rayctl_up_ready_ms kubectl_apply_wait_ms rayctl_status_ms
for i in $(seq "$N"); do
  t0=$(now); "$RAYCTL" -q kube up "$M" --timeout 120s >/dev/null; t1=$(now)
  s0=$(now); "$RAYCTL" kube status ray-demo-cluster -n ray-serving >/dev/null; s1=$(now)
  "$RAYCTL" -q kube down ray-demo-cluster -n ray-serving --timeout 120s >/dev/null
  k0=$(now)
  "$K" apply --server-side -f "$M" >/dev/null
  "$K" wait -n ray-serving raycluster/ray-demo-cluster --for=condition=RayClusterProvisioned --timeout=120s >/dev/null
  k1=$(now)
  "$RAYCTL" -q kube down ray-demo-cluster -n ray-serving --timeout 120s >/dev/null
  printf '%-6s %-22s %-22s %-16s\n' "$i" "$(ms "$t0" "$t1")" "$(ms "$k0" "$k1")" "$(ms "$s0" "$s1")"
done
