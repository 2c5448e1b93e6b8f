#!/usr/bin/env bash
# The cost of the Serve hop for the bundled LLM worker (#13): a one-node Ray cluster on this
# machine, `rayctl inference deploy --device cpu`, then the same `rayctl inference bench`
# against the replica's worker directly (its loopback port) and through Serve's HTTP proxy
# (127.0.0.1:8000/llm), alternating, at concurrency 1 and 8. Loopback only; bounded.
#
#   bash bench/serve/llm_hop.sh [RAYCTL] [ROUNDS] [REQUESTS]     # build/cli/rayctl, 2, 24
# Writes bench/serve/llm_hop.json and prints a table.
set -euo pipefail
cd "$(dirname "$0")/../.."
RAYCTL="$(realpath "${1:-build/cli/rayctl}")"
ROUNDS="${2:-2}"
REQUESTS="${3:-24}"
MODEL="$(bash scripts/fetch-model.sh)"
VENV="${RAYCTL_RAY_VENV:-$(bash scripts/install-ray.sh)}"
WORK="$(mktemp -d /tmp/rayctl-llm-hop.XXXXXX)"
export RAYCTL_STATE_DIR="$WORK/state"
CFG="$WORK/cluster.yaml"
cat >"$CFG" <<YAML
cluster_name: llm-hop
provider: {type: local, head_ip: 127.0.0.1, worker_ips: []}
auth: {ssh_user: $(id -un)}
setup_commands: []
head_start_ray_commands:
  - $VENV/bin/ray stop
  - $VENV/bin/ray start --head --port=6379 --dashboard-port=8265 --num-cpus=2 --disable-usage-stats
YAML
trap '"$RAYCTL" down "$CFG" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"$RAYCTL" up "$CFG" >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log"; exit 1; }
"$RAYCTL" inference deploy --model "$MODEL" --cluster "$CFG" --device cpu --parallel 8 --ctx 512 --timeout 5m \
  >"$WORK/deploy.log" 2>&1 || { cat "$WORK/deploy.log"; exit 1; }
PID="$(pgrep -f "^/[^ ]*/rayctl inference serve" | head -1)"
PORT="$(ss -ltnpH | grep "pid=$PID," | sed -n 's/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p' | head -1)"
[ -n "$PORT" ] || { echo "worker port not found (pid $PID)" >&2; exit 1; }
DIRECT="http://127.0.0.1:$PORT"
SERVE="http://127.0.0.1:8000/llm"
echo "worker $PID at $DIRECT; Serve at $SERVE"

# CPU seconds used so far by the processes whose command line matches a pattern.
cpu_s() {
  local total=0 p
  for p in $(pgrep -f "$1"); do
    total=$(awk -v t="$total" -v hz="$(getconf CLK_TCK)" '{ print t + ($14 + $15) / hz }' "/proc/$p/stat" 2>/dev/null || echo "$total")
  done
  echo "$total"
}
run_one() {  # LABEL URL → one JSON line per concurrency level, with the CPU each party used
  local w0 r0 x0
  w0=$(cpu_s "^/[^ ]*/rayctl inference serve"); r0=$(cpu_s "ray::ServeReplica"); x0=$(cpu_s "ray::ProxyActor")
  timeout 600 "$RAYCTL" inference bench --url "$2" --concurrency 1,8 --requests "$REQUESTS" --max-tokens 32 -o json \
    >"$WORK/bench.json"
  python3 -c 'import json,sys
cpu = {"worker_cpu_s": float(sys.argv[2]), "replica_cpu_s": float(sys.argv[3]), "proxy_cpu_s": float(sys.argv[4])}
for l in json.load(open(sys.argv[5]))["levels"]:
    l["label"] = sys.argv[1]; l["cpu_both_levels"] = cpu; print(json.dumps(l))' "$1" \
    "$(echo "$(cpu_s "^/[^ ]*/rayctl inference serve") - $w0" | bc)" "$(echo "$(cpu_s "ray::ServeReplica") - $r0" | bc)" \
    "$(echo "$(cpu_s "ray::ProxyActor") - $x0" | bc)" "$WORK/bench.json"
}
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) = 1 ]; then run_one direct "$DIRECT"; run_one serve "$SERVE"
  else run_one serve "$SERVE"; run_one direct "$DIRECT"; fi
done >"$WORK/rows"

python3 - "$WORK/rows" bench/serve/llm_hop.json <<'EOF'
import json, os, statistics, sys, time
rows = [json.loads(l) for l in open(sys.argv[1])]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
json.dump({"date": time.strftime("%Y-%m-%d"), "cpu": cpu, "cores": os.cpu_count(), "rows": rows},
          open(sys.argv[2], "w"), indent=1)
print(f"{'path':7} {'conc':>4} {'TTFT p50':>9} {'TTFT p99':>9} {'tok/s':>7} {'failed':>6}")
for r in rows:
    print(f"{r['label']:7} {r['concurrency']:4} {r['ttft_seconds']['p50']*1000:7.1f}ms "
          f"{r['ttft_seconds']['p99']*1000:7.1f}ms {r['output_tokens_per_second']:7.1f} {r['failed']:6}")
for c in (1, 8):
    d = [r for r in rows if r["concurrency"] == c and r["label"] == "direct"]
    s = [r for r in rows if r["concurrency"] == c and r["label"] == "serve"]
    dt = statistics.median(r["ttft_seconds"]["p50"] for r in d)
    st = statistics.median(r["ttft_seconds"]["p50"] for r in s)
    dr = statistics.median(r["output_tokens_per_second"] for r in d)
    sr = statistics.median(r["output_tokens_per_second"] for r in s)
    print(f"concurrency {c}: Serve adds {(st - dt) * 1000:.1f} ms to TTFT p50; tokens/s {100 * (sr - dr) / dr:+.1f} %")
for label in ("direct", "serve"):
    r = next(r for r in rows if r["label"] == label)
    c = r["cpu_both_levels"]
    print(f"{label}: CPU seconds in one run of both levels: worker {c['worker_cpu_s']:.1f}, "
          f"Serve replica {c['replica_cpu_s']:.1f}, Serve proxy {c['proxy_cpu_s']:.1f}")
EOF
