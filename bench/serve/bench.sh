#!/usr/bin/env bash
# Serve benchmarks on a private Ray head (same cluster, same config for both tools):
#  1. `rayctl serve status` vs `serve status` (N runs each, mean wall time)
#  2. `rayctl serve deploy` (waits for RUNNING) vs `serve deploy` + polling `serve status`
#     until RUNNING; both deploy a config whose working_dir is already a gcs:// URI, after a
#     `serve shutdown`, so both measure Serve's own deploy time plus the tool's overhead.
# Usage: bench/serve/bench.sh BUILD_DIR/cli/rayctl [RUNS]
set -euo pipefail
RAYCTL="$(realpath "$1")"; RUNS="${2:-10}"
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$SRC/tests/integration/serve"
VENV="$(bash "$SRC/scripts/install-ray.sh")"
if ! "$VENV/bin/python" -c 'import google.protobuf as p, sys; sys.exit(int(p.__version__.split(".")[0]) >= 7)'; then
  VENV="$(RAYCTL_RAY_VENV="${XDG_CACHE_HOME:-$HOME/.cache}/rayctl/ray-2.53.0-serve" \
          PIP_CONSTRAINT="$HERE/pip-constraints.txt" bash "$SRC/scripts/install-ray.sh")"
fi
export RAY_DASHBOARD_ADDRESS=http://127.0.0.1:8285
TMP="$(mktemp -d /tmp/rayctl-serve-bench.XXXXXX)"
trap 'bash "$HERE/ray_head.sh" stop "$TMP/ray" || true; rm -rf "$TMP"' EXIT
bash "$HERE/ray_head.sh" start "$VENV" "$TMP/ray"
now() { date +%s.%N; }
mean_time() {  # mean_time N CMD... → mean seconds
  local n="$1"; shift; local t0 t1; t0=$(now)
  for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 || true; done
  t1=$(now); echo "($t1 - $t0) / $n" | bc -l
}
# An app both tools can deploy: upload once with rayctl, then use the gcs:// URI.
mkdir -p "$TMP/cfg/serve"; cp -r "$SRC/manifests/apps" "$TMP/cfg/apps"
sed 's/port: 8000/port: 8085/' "$SRC/manifests/serve/rag.yaml" > "$TMP/cfg/serve/rag.yaml"
"$RAYCTL" serve deploy "$TMP/cfg/serve/rag.yaml" --timeout 300s >/dev/null 2>&1
"$RAYCTL" serve config rag > "$TMP/rag-live.yaml"
{ echo "proxy_location: HeadOnly"; echo "http_options: {host: 127.0.0.1, port: 8085}"; echo "applications:";
  sed 's/^/  /; 1s/^  /  - /; 2,$s/^  /    /' "$TMP/rag-live.yaml"; } > "$TMP/remote.yaml"

ST_R=$(mean_time "$RUNS" "$RAYCTL" serve status)
ST_S=$(mean_time "$RUNS" "$VENV/bin/serve" status)
echo "status: rayctl $(printf %.3f "$ST_R") s, serve $(printf %.3f "$ST_S") s, speed-up $(printf %.1f "$(echo "$ST_S / $ST_R" | bc -l)")x"

deploy_serve() {
  "$VENV/bin/serve" deploy "$TMP/remote.yaml" >/dev/null 2>&1
  until "$VENV/bin/serve" status 2>/dev/null | grep -q "status: RUNNING" &&
        ! "$VENV/bin/serve" status 2>/dev/null | grep -qE "status: (DEPLOYING|UPDATING)"; do sleep 0.1; done
}
for tool in rayctl serve; do
  total=0
  for i in 1 2 3; do
    "$RAYCTL" serve delete >/dev/null 2>&1
    t0=$(now)
    if [ "$tool" = rayctl ]; then "$RAYCTL" serve deploy "$TMP/remote.yaml" -y >/dev/null 2>&1; else deploy_serve; fi
    t1=$(now); total=$(echo "$total + $t1 - $t0" | bc -l)
  done
  echo "deploy ($tool, from shutdown to RUNNING, mean of 3): $(printf %.2f "$(echo "$total / 3" | bc -l)") s"
done
