#!/usr/bin/env bash
# Loopback load through the inference server's HTTP layer, before vs after a change (#12: the
# hardened HTTP layer of 01e3a48 against the one before it). Two rayctl binaries serve the same
# model with the same settings, one at a time, alternating for ROUNDS rounds; the SAME client
# (the "after" binary's `inference bench`) drives 200 concurrent streams at each. Traffic stays
# on 127.0.0.1; every run is bounded (requests and a timeout).
#
#   bash bench/inference/http_ab.sh BEFORE_RAYCTL AFTER_RAYCTL [ROUNDS] [REQUESTS]   # 2, 400
# Build the "before" binary in a worktree, e.g.:
#   git worktree add /tmp/rayctl-ab-before 01e3a48^ &&
#   cmake -S /tmp/rayctl-ab-before -B /tmp/rayctl-ab-before/build -G Ninja -DBUILD_TESTING=OFF &&
#   ninja -C /tmp/rayctl-ab-before/build rayctl
# Writes bench/inference/http_ab.json and prints a table.
set -euo pipefail
cd "$(dirname "$0")/../.."
BEFORE="${1:?usage: http_ab.sh BEFORE_RAYCTL AFTER_RAYCTL [ROUNDS] [REQUESTS]}"
AFTER="${2:?usage: http_ab.sh BEFORE_RAYCTL AFTER_RAYCTL [ROUNDS] [REQUESTS]}"
ROUNDS="${3:-2}"
REQUESTS="${4:-400}"
CONCURRENCY=200
MODEL="$(bash scripts/fetch-model.sh)"
OUT=bench/inference/http_ab.json
SERVER=""
trap '[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run_one LABEL BINARY → one JSON line: the label plus the bench's level at concurrency 200.
run_one() {
  local label="$1" bin="$2" port
  port="$(free_port)"
  # Same settings for both: 32 sequences per step, room for every stream to queue.
  "$bin" inference serve --model "$MODEL" --port "$port" --parallel 32 --max-queued 512 --ctx 512 \
    >"/tmp/rayctl-ab-$label.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.25; done
  curl -sf "http://127.0.0.1:$port/health" >/dev/null || { cat "/tmp/rayctl-ab-$label.log"; exit 1; }
  timeout 900 "$AFTER" inference bench --url "http://127.0.0.1:$port" --concurrency "$CONCURRENCY" \
    --requests "$REQUESTS" --max-tokens 16 -o json |
    python3 -c 'import json,sys; d=json.load(sys.stdin); l=d["levels"][0]; l["label"]=sys.argv[1]; print(json.dumps(l))' "$label"
  kill "$SERVER"
  wait "$SERVER" 2>/dev/null || true
  SERVER=""
}

{
  for r in $(seq "$ROUNDS"); do
    # Alternate which goes first so that warm-up and drift do not favour one side.
    if [ $((r % 2)) = 1 ]; then run_one before "$BEFORE"; run_one after "$AFTER"
    else run_one after "$AFTER"; run_one before "$BEFORE"; fi
  done
} >"$OUT.lines"

python3 - "$OUT.lines" "$OUT" "$BEFORE" "$AFTER" "$MODEL" <<'EOF'
import json, os, platform, subprocess, sys, time
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
meta = {"date": time.strftime("%Y-%m-%d"), "cpu": cpu, "cores": os.cpu_count(), "model": os.path.basename(sys.argv[5]),
        "before": sys.argv[3], "after": sys.argv[4], "concurrency": 200,
        "tree": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()}
json.dump({"meta": meta, "runs": rows}, open(sys.argv[2], "w"), indent=1)
print(f"{'run':8} {'req/s':>7} {'tok/s':>7} {'TTFT p50':>9} {'TTFT p99':>9} {'e2e p99':>8} {'failed':>6}")
for r in rows:
    print(f"{r['label']:8} {r['requests_per_second']:7.1f} {r['output_tokens_per_second']:7.1f} "
          f"{r['ttft_seconds']['p50']*1000:7.0f}ms {r['ttft_seconds']['p99']*1000:7.0f}ms "
          f"{r['e2e_latency_seconds']['p99']:7.2f}s {r['failed']:6}")
EOF
rm -f "$OUT.lines"
