#!/usr/bin/env bash
# The bundled LLM worker on the SSH rig through Ray Serve (#13): up (head + 2 workers, real sshd,
# real Ray) → inference deploy --device cpu (binary + real SmolLM2 GGUF copied to every node;
# a rerun sends 0 bytes) → chat through Serve's HTTP proxy, plain and streamed, identical to
# the same rayctl worker run directly for a greedy request → 2 replicas, both serving → one
# worker killed: Serve replaces its replica, no failure once recovered → undeploy (no worker
# left) → down. Usage: llm_deploy.sh /path/to/rayctl   ($RAYCTL_MODEL or scripts/fetch-model.sh)
source "$(dirname "$0")/lib.sh"
MODEL="${RAYCTL_MODEL:-}"
[[ -n "$MODEL" && -s "$MODEL" ]] || MODEL="$(bash "$REPO/scripts/fetch-model.sh")"
CFG="$WORK/cluster.yaml"
write_cluster "$CFG" rig-llm "$RIG_KEY"
# The rig's hosts share this machine's home: start from no copy of this model and binary.
LLM_DIRS=()
for f in "$MODEL" "$RAYCTL"; do LLM_DIRS+=("$HOME/.rayctl/llm/$(sha256sum "$f" | cut -c1-16)"); done
rm -rf "${LLM_DIRS[@]}"
DIRECT_PID=""
cleanup() {
  [ -z "$DIRECT_PID" ] || kill "$DIRECT_PID" 2>/dev/null || true
  "$RAYCTL" down "$CFG" -y >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$RAYCTL" up "$CFG" >"$WORK/up.out" 2>&1 || { cat "$WORK/up.out"; fail "up failed"; }
ok "up: head + 2 workers"

COMMON=("$RAYCTL" inference deploy --model "$MODEL" --cluster rig-llm --parallel 2 --ctx 512 --timeout 5m)
DEPLOY=("${COMMON[@]}" --device cpu)
"${DEPLOY[@]}" --dry-run >"$WORK/llm.yaml" 2>"$WORK/dry.err" || fail "dry run: $(cat "$WORK/dry.err")"
"$RAYCTL" validate "$WORK/llm.yaml" >"$WORK/validate.out" 2>&1 || fail "dry-run output does not validate: $(cat "$WORK/validate.out")"
ok "deploy --dry-run output validates clean"
"${COMMON[@]}" --gpus-per-replica 2 --device cuda >"$WORK/toobig.out" 2>&1 && fail "a 2-GPU replica was accepted on a CPU cluster"
grep -q "can never schedule" "$WORK/toobig.out" || fail "too-big ask not explained: $(cat "$WORK/toobig.out")"
for d in "${LLM_DIRS[@]}"; do [ ! -e "$d" ] || fail "files copied ($d) before the refusal"; done
ok "a GPU ask no node holds is refused before any copy"

start=$(date +%s)
"${DEPLOY[@]}" -o json >"$WORK/deploy.json" 2>"$WORK/deploy.err" || { cat "$WORK/deploy.err"; fail "deploy failed"; }
echo "deploy took $(($(date +%s) - start)) s"
read -r ENDPOINT BYTES < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["deploy"]["outcome"] == "running", r["deploy"]
print(r["endpoint"], r["bytes_sent"])' "$WORK/deploy.json") || fail "deploy -o json: $(cat "$WORK/deploy.json")"
[ "$BYTES" -gt "$(stat -c %s "$MODEL")" ] || fail "first deploy sent only $BYTES bytes"
ok "deployed at $ENDPOINT ($BYTES bytes sent)"
"${DEPLOY[@]}" -o json >"$WORK/deploy2.json" 2>"$WORK/deploy2.err" || fail "rerun failed: $(cat "$WORK/deploy2.err")"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["bytes_sent"] == 0, r["copies"]' "$WORK/deploy2.json" ||
  fail "rerun copied again"
ok "rerun: 0 bytes sent"

# The same worker run directly on loopback answers the same greedy request identically.
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$RAYCTL" inference serve --model "$MODEL" --port "$PORT" --parallel 2 --ctx 512 >"$WORK/direct.out" 2>&1 &
DIRECT_PID=$!
CHAT='{"messages":[{"role":"user","content":"Name three colours."}],"max_tokens":24,"temperature":0}'
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$PORT/v1/chat/completions" -H 'Content-Type: application/json' -d "$CHAT" \
  >"$WORK/direct.json" || fail "direct worker: $(cat "$WORK/direct.out")"
curl -sf "$ENDPOINT/v1/chat/completions" -H 'Content-Type: application/json' -d "$CHAT" >"$WORK/served.json" ||
  fail "chat through Serve failed"
curl -sfN "$ENDPOINT/v1/chat/completions" -H 'Content-Type: application/json' \
  -d "${CHAT%\}},\"stream\":true}" >"$WORK/stream.txt" || fail "streamed chat through Serve failed"
python3 - "$WORK/direct.json" "$WORK/served.json" "$WORK/stream.txt" <<'PY' || fail "answers differ"
import json, sys
direct = json.load(open(sys.argv[1]))["choices"][0]["message"]["content"]
served = json.load(open(sys.argv[2]))["choices"][0]["message"]["content"]
assert direct and served == direct, (direct, served)
events = [l[6:] for l in open(sys.argv[3]).read().splitlines() if l.startswith("data: ")]
assert events[-1] == "[DONE]" and len(events) >= 4, events
text = "".join(json.loads(e)["choices"][0]["delta"].get("content") or "" for e in events[:-1])
assert text == direct, (text, direct)
print("answer:", direct)
PY
ok "plain and streamed answers through Serve equal the direct worker's"
kill "$DIRECT_PID"
DIRECT_PID=""

# Worker processes on the rig hosts: "host pid port" per line (the port the worker chose with
# --port 0, from its listening socket).
workers() {
  local h
  for h in rctl-h1 rctl-h2 rctl-h3; do
    on_host "$h" sh -c 'for p in $(pgrep -f "^/[^ ]*/rayctl inference serve"); do
      port=$(ss -ltnpH 2>/dev/null | grep "pid=$p," | sed -n "s/.*127\.0\.0\.1:\([0-9]*\) .*/\1/p" | head -1)
      echo "$p ${port:-?}"; done' | sed "s/^/$h /"
  done
}
"${DEPLOY[@]}" --replicas 2 >"$WORK/scale.out" 2>&1 || fail "scaling to 2: $(cat "$WORK/scale.out")"
workers >"$WORK/workers.txt"
[ "$(wc -l <"$WORK/workers.txt")" = 2 ] || fail "want 2 workers, found: $(cat "$WORK/workers.txt")"
for i in $(seq 1 12); do
  curl -sf "$ENDPOINT/v1/chat/completions" -H 'Content-Type: application/json' \
    -d "{\"messages\":[{\"role\":\"user\",\"content\":\"Count to $i.\"}],\"max_tokens\":4}" >/dev/null &
done
wait
while read -r h pid port; do
  n=$(on_host "$h" curl -sf "http://127.0.0.1:$port/metrics" | awk '/^vllm:request_success_total/ {s += $2} END {print s + 0}')
  echo "worker $pid on $h answered $n request(s)"
  [ "$n" -gt 0 ] || fail "worker $pid on $h served no request"
done <"$WORK/workers.txt"
ok "2 replicas, both serving"

read -r KH KPID _ <"$WORK/workers.txt"
NODE=$(python3 -c 'import sys; print({"rctl-h1":"head","rctl-h2":"worker-1","rctl-h3":"worker-2"}[sys.argv[1]])' "$KH")
"$RAYCTL" exec rig-llm --node "$NODE" -- kill -9 "$KPID" || fail "kill through rayctl exec"
failed=0 ok_run=0
for _ in $(seq 1 240); do
  if curl -sf -m 30 "$ENDPOINT/v1/chat/completions" -H 'Content-Type: application/json' -d "$CHAT" >/dev/null; then
    ok_run=$((ok_run + 1))
  else
    failed=$((failed + 1)) ok_run=0
  fi
  if [ "$ok_run" -ge 10 ] && workers | grep -qv " $KPID "; then
    [ "$(workers | wc -l)" = 2 ] && break
  fi
  sleep 0.5
done
workers >"$WORK/workers2.txt"
[ "$(wc -l <"$WORK/workers2.txt")" = 2 ] || fail "Serve did not replace the killed worker: $(cat "$WORK/workers2.txt")"
grep -q " $KPID " "$WORK/workers2.txt" && fail "killed worker $KPID still listed"
for i in $(seq 1 10); do
  curl -sf "$ENDPOINT/v1/chat/completions" -H 'Content-Type: application/json' -d "$CHAT" >/dev/null ||
    fail "request $i failed after recovery"
done
ok "killed worker replaced by Serve; $failed request(s) failed before recovery, none after"

"$RAYCTL" inference undeploy --cluster rig-llm >"$WORK/undeploy.out" 2>&1 || fail "undeploy: $(cat "$WORK/undeploy.out")"
for _ in $(seq 1 60); do [ -z "$(workers)" ] && break; sleep 0.5; done
[ -z "$(workers)" ] || fail "workers left after undeploy: $(workers)"
ok "undeploy: no worker process left"
"$RAYCTL" down "$CFG" -y >"$WORK/down.out" 2>&1 || fail "down: $(cat "$WORK/down.out")"
for h in rctl-h1 rctl-h2 rctl-h3; do [ "$(ray_procs "$h")" = 0 ] || fail "Ray processes left on $h"; done
ok "down: no Ray process left"
