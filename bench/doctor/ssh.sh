#!/usr/bin/env bash
# Benchmark: wall time of `rayctl doctor` on a healthy SSH-rig cluster (head + 2 workers, one
# Serve application RUNNING, so every layer is walked: SSH, Ray processes and GCS membership,
# dashboard, Serve, resources, one request through the Serve proxy). Issue 15 asks < 2 s.
#   bench/doctor/ssh.sh /path/to/rayctl [RUNS]     (default 10 runs; needs root, the rig)
# Prints each run's wall time (process start to exit, as a user sees it) and the min / median;
# results are recorded by hand in bench/doctor/README.md.
set -euo pipefail
RUNS="${2:-10}"
source "$(cd "$(dirname "$0")/../.." && pwd)/tests/integration/ssh/lib.sh" "$1"
NAME=bench-doctor
write_cluster "$WORK/cluster.yaml" "$NAME" "$RIG_KEY"
trap '"$RAYCTL" down "$NAME" >/dev/null 2>&1 || true' EXIT
mkdir -p "$WORK/serve/apps"
cp "$REPO/tests/integration/ssh/doctor_apps/doctor_apps.py" "$WORK/serve/apps/"
echo "applications: [{name: echo, route_prefix: /echo, import_path: 'doctor_apps:echo', runtime_env: {working_dir: ./apps}}]" \
  >"$WORK/serve/echo.yaml"
"$RAYCTL" up "$WORK/cluster.yaml" >"$WORK/up.out" 2>&1 || { cat "$WORK/up.out"; fail "up failed"; }
"$RAYCTL" serve deploy "$WORK/serve/echo.yaml" --cluster "$NAME" --timeout 180s >"$WORK/deploy.out" 2>&1 ||
  { cat "$WORK/deploy.out"; fail "deploy failed"; }
"$RAYCTL" doctor "$NAME" >/dev/null || fail "the cluster is not healthy: $("$RAYCTL" doctor "$NAME")"  # warm-up
TIMES=()
for i in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  "$RAYCTL" doctor "$NAME" >"$WORK/doctor-$i.out" || fail "run $i: not healthy: $(cat "$WORK/doctor-$i.out")"
  TIMES+=("$(awk "BEGIN{printf \"%.3f\", $(date +%s.%N) - $start}")")
  echo "run $i: ${TIMES[-1]} s"
done
printf '%s\n' "${TIMES[@]}" | sort -n | awk '{t[NR]=$1} END {m = NR % 2 ? t[(NR+1)/2] : (t[NR/2] + t[NR/2+1]) / 2;
  printf "doctor on a healthy 3-node SSH rig cluster, %d runs: min %.3f s, median %.3f s, max %.3f s\n", NR, t[1], m, t[NR]}'
tail -n 1 "$WORK/doctor-$RUNS.out"
