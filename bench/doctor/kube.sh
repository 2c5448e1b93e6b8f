#!/usr/bin/env bash
# Benchmark: wall time of `rayctl doctor` on a healthy RayService on the Kubernetes rig
# (scripts/k8s/rig.sh), Ready on a real Ray head on loopback (tests/integration/kube/doctor_lib.sh),
# so every layer is walked: the API server, the CRDs, the operator's Lease, the object and its
# conditions, the pods, the head service, then Ray, dashboard, Serve and one request to the app
# through the API server's service proxy. Issue 15 asks < 2 s.
#   bench/doctor/kube.sh /path/to/rayctl [RUNS]     (default 10 runs; RAYCTL_K8S_KEEP=1 keeps the rig)
# Uses the doctor test's rig instance (state /tmp/rayctl-k8s-doctor, ports 16600+) and Ray ports
# (6376/8276/8076...), so it must not run alongside integration_kube_doctor. Prints each run's
# wall time (process start to exit) and the report's own `seconds`, then min / median / max;
# results are recorded by hand in bench/doctor/README.md.
set -uo pipefail
RAYCTL="$(realpath "$1")"; RUNS="${2:-10}"
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
export RAYCTL_K8S_STATE="${RAYCTL_K8S_STATE:-/tmp/rayctl-k8s-doctor}"
export RAYCTL_K8S_PORT_BASE="${RAYCTL_K8S_PORT_BASE:-16600}"
fail() { echo "bench/doctor/kube.sh: $*" >&2; exit 1; }
source "$SRC/tests/integration/kube/doctor_lib.sh"
work="$(mktemp -d)"
cleanup() {
  "$RAYCTL" down rayservice/doctor-rag >/dev/null 2>&1
  doctor_ray_head_down
  [[ -n "${RAYCTL_K8S_KEEP:-}" ]] || "$SRC/scripts/k8s/rig.sh" down
  rm -rf "$work"
}
trap cleanup EXIT
eval "export $("$SRC/scripts/k8s/rig.sh" up | tail -n 1)" || fail "the rig did not start"
doctor_ray_head "$work" >"$work/rayup.txt" 2>&1 || { cat "$work/rayup.txt"; fail "the loopback Ray head did not start"; }
doctor_manifests "$work"
"$RAYCTL" up "$work/healthy.yaml" --timeout 240 >"$work/up.txt" 2>&1 || { cat "$work/up.txt"; fail "the RayService is not Ready"; }
"$RAYCTL" doctor rayservice/doctor-rag >"$work/warm.txt" || { cat "$work/warm.txt"; fail "not healthy"; }  # warm-up
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
TIMES=()
for i in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  "$RAYCTL" -o json doctor rayservice/doctor-rag >"$work/doctor-$i.json" || fail "run $i: not healthy"
  TIMES+=("$(awk "BEGIN{printf \"%.3f\", $(date +%s.%N) - $start}")")
  echo "run $i: ${TIMES[-1]} s (report: $(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["seconds"])' \
    "$work/doctor-$i.json") s)"
done
printf '%s\n' "${TIMES[@]}" | sort -n | awk '{t[NR]=$1} END {m = NR % 2 ? t[(NR+1)/2] : (t[NR/2] + t[NR/2+1]) / 2;
  printf "doctor on a healthy RayService on the Kubernetes rig, %d runs: min %.3f s, median %.3f s, max %.3f s\n", NR, t[1], m, t[NR]}'
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
