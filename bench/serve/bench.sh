#!/usr/bin/env bash
# Serve benchmarks on a private Ray head (serve ports 6385/8285, CPU-only; same cluster and
# same config for every tool):
#  1. `rayctl serve status` vs `serve status`: RUNS runs each, mean and median wall time.
#  2. deploy from a shut-down Serve to every application RUNNING, DEPLOYS rounds, interleaved:
#     - baseline: Serve's own time — one PUT of the config (Python urllib) and a tight poll (every
#       20 ms) of GET /api/serve/applications/ until every deployment is HEALTHY;
#     - `rayctl serve deploy` (waits itself, polling every 50 ms; -o json gives its prepare /
#       PUT / wait split);
#     - `serve deploy` + polling `serve status` until RUNNING (the issue's comparison).
#     rayctl's overhead = its wall time − PUT − wait (its own work: start-up, version, upload
#     check, pre-flight, GET, diff), plus the poll lag inside the wait (≤ one 50 ms poll
#     interval); the baseline-vs-rayctl difference is printed as a cross-check.
#     The config's working_dir is already a gcs:// URI so that every tool deploys the same body.
# Usage: bench/serve/bench.sh BUILD_DIR/cli/rayctl [RUNS] [DEPLOYS]
set -euo pipefail
RAYCTL="$(realpath "$1")"; RUNS="${2:-20}"; DEPLOYS="${3:-3}"
SRC="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$SRC/tests/integration/serve"
VENV="$(bash "$SRC/scripts/install-ray.sh")"
PY="$VENV/bin/python"
ADDR=http://127.0.0.1:8285
export RAY_DASHBOARD_ADDRESS="$ADDR" NO_COLOR=1
TMP="$(mktemp -d /tmp/rayctl-serve-bench.XXXXXX)"
trap 'bash "$HERE/ray_head.sh" stop "$TMP/ray" || true; rm -rf "$TMP"' EXIT
bash "$HERE/ray_head.sh" start "$VENV" "$TMP/ray"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at start"

# The config every tool deploys: rag.yaml uploaded once by rayctl, then with its gcs:// URI.
mkdir -p "$TMP/cfg/serve"; cp -r "$SRC/manifests/apps" "$TMP/cfg/apps"
sed 's/port: 8000/port: 8085/' "$SRC/manifests/serve/rag.yaml" > "$TMP/cfg/serve/rag.yaml"
"$RAYCTL" serve deploy "$TMP/cfg/serve/rag.yaml" --timeout 300s >/dev/null
"$RAYCTL" serve config rag -o json > "$TMP/rag-live.json"
"$PY" - "$TMP/rag-live.json" "$TMP/remote.yaml" "$TMP/remote.json" <<'PY'
import json, sys, yaml
apps = json.load(open(sys.argv[1]))
body = {"proxy_location": "HeadOnly", "http_options": {"host": "127.0.0.1", "port": 8085}, "applications": apps}
yaml.safe_dump(body, open(sys.argv[2], "w"), sort_keys=False)
json.dump(body, open(sys.argv[3], "w"))
PY

# --- 1. status -------------------------------------------------------------------------
times() {  # times N CMD... → one wall time (s) per line
  local n="$1"; shift
  for _ in $(seq 1 "$n"); do
    local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
    echo "$t1 - $t0" | bc -l
  done
}
stats() { sort -n | awk '{a[NR]=$1; s+=$1} END {printf "mean %.3f s, median %.3f s, min %.3f s (n=%d)", s/NR, a[int((NR+1)/2)], a[1], NR}'; }
mean() { awk '{s+=$1} END {print s/NR}'; }
times "$RUNS" "$RAYCTL" serve status > "$TMP/st-rayctl"
times "$RUNS" "$VENV/bin/serve" status -a "$ADDR" > "$TMP/st-serve"
echo "status  rayctl serve status: $(stats < "$TMP/st-rayctl")"
echo "status  serve status:        $(stats < "$TMP/st-serve")"
echo "status  speed-up (means): $(printf %.1f "$(echo "$(mean < "$TMP/st-serve") / $(mean < "$TMP/st-rayctl")" | bc -l)")x"

# --- 2. deploy -------------------------------------------------------------------------
baseline() {  # PUT + poll every 20 ms until every deployment is HEALTHY; prints seconds
  "$PY" - "$ADDR" "$TMP/remote.json" <<'PY'
import json, sys, time, urllib.request
addr, body = sys.argv[1], open(sys.argv[2], "rb").read()
want = {a["name"] for a in json.loads(body)["applications"]}
t0 = time.perf_counter()
urllib.request.urlopen(urllib.request.Request(addr + "/api/serve/applications/", data=body, method="PUT",
                                              headers={"Content-Type": "application/json"}), timeout=120).read()
while True:
    d = json.load(urllib.request.urlopen(addr + "/api/serve/applications/", timeout=30))
    apps = d.get("applications") or {}
    if want <= set(apps) and all(apps[a]["status"] == "RUNNING" and
                                 all(x["status"] == "HEALTHY" for x in apps[a]["deployments"].values()) for a in want):
        break
    if time.perf_counter() - t0 > 300: sys.exit("baseline: not RUNNING after 300 s")
    time.sleep(0.02)
print(f"{time.perf_counter() - t0:.3f}")
PY
}
serve_cli() {
  local t0 t1; t0=$(date +%s.%N)
  "$VENV/bin/serve" deploy -a "$ADDR" "$TMP/remote.yaml" >/dev/null 2>&1
  until "$VENV/bin/serve" status -a "$ADDR" 2>/dev/null > "$TMP/sst" && grep -q "status: RUNNING" "$TMP/sst" &&
        ! grep -qE "status: (DEPLOYING|UPDATING|UNHEALTHY|DEPLOY_FAILED)" "$TMP/sst"; do sleep 0.1; done
  t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l
}
printf '%-6s %-12s %-12s %-12s %-12s %-12s %-12s %-8s\n' round baseline_s rayctl_s r_prepare_s r_put_s r_wait_s r_overhead_ms serve_cli_s
for i in $(seq 1 "$DEPLOYS"); do
  "$RAYCTL" serve delete -y >/dev/null; sleep 1
  b=$(baseline)
  "$RAYCTL" serve delete -y >/dev/null; sleep 1
  t0=$(date +%s.%N); "$RAYCTL" serve deploy "$TMP/remote.yaml" -y -o json > "$TMP/rd.json" 2>/dev/null; t1=$(date +%s.%N)
  read -r prep put wait < <("$PY" -c "import json; t=json.load(open('$TMP/rd.json'))['timings']; print(t['prepare_s'], t['put_s'], t['wait_s'])")
  r=$(echo "$t1 - $t0" | bc -l)
  ovh=$(echo "($r - $put - $wait) * 1000" | bc -l)
  "$RAYCTL" serve delete -y >/dev/null; sleep 1
  s=$(serve_cli)
  printf '%-6s %-12.3f %-12.3f %-12.3f %-12.3f %-12.3f %-12.0f %-8.3f\n' "$i" "$b" "$r" "$prep" "$put" "$wait" "$ovh" "$s"
done
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
