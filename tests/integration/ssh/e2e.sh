#!/usr/bin/env bash
# End-to-end on the SSH rig: up head + 2 workers → 3 ALIVE nodes → exec --all hostname → up
# again is a no-op (no setup or start command ran) → status → logs → down → no Ray process
# left on any host. Usage: e2e.sh /path/to/rayctl
source "$(dirname "$0")/lib.sh"
CFG="$WORK/cluster.yaml"
write_cluster "$CFG" rig-e2e "$RIG_KEY"
for h in rctl-h1 rctl-h2 rctl-h3; do on_host "$h" rm -f /tmp/rayctl-setup.log /tmp/rayctl-start.log; done

"$RAYCTL" up "$CFG" --dry-run >"$WORK/plan.txt" || fail "dry-run failed"
grep -q "worker-2 (192.168.231.13, worker, ssh): setup+start" "$WORK/plan.txt" || fail "plan lacks worker-2: $(cat "$WORK/plan.txt")"
grep -q "removed --autoscaling-config" "$WORK/plan.txt" || fail "plan does not say it drops --autoscaling-config"
ok "dry run prints the plan per node"

start=$(date +%s.%N)
"$RAYCTL" up "$CFG" -o json >"$WORK/up.json" 2>"$WORK/up.err" || { cat "$WORK/up.err"; fail "up failed"; }
echo "up took $(awk "BEGIN{print $(date +%s.%N) - $start}") s"
python3 - "$WORK/up.json" <<'PY' || fail "up -o json does not show 3 ALIVE nodes"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["changed"] and len(r["nodes"]) == 3, r
assert all(n["alive"] and n["ok"] for n in r["nodes"]), r["nodes"]
assert r["head_address"] == "192.168.231.11:6379", r["head_address"]
PY
ok "up: 3 nodes ALIVE"
for h in rctl-h1 rctl-h2 rctl-h3; do
  [ "$(on_host "$h" cat /tmp/rayctl-mount/hello.txt)" = mounted-rig-e2e ] || fail "file mount missing on $h"
done
ok "file_mounts uploaded to every node"

"$RAYCTL" exec rig-e2e --all -- hostname >"$WORK/exec.out" 2>"$WORK/exec.err" || fail "exec --all failed"
for h in rctl-h1 rctl-h2 rctl-h3; do grep -q "] $h\$" "$WORK/exec.out" || fail "exec --all lacks $h: $(cat "$WORK/exec.out")"; done
"$RAYCTL" exec rig-e2e --node worker-1 -- 'exit 7' && fail "exit code not propagated" || [ $? = 7 ] || fail "exec exit code is not 7"
ok "exec --all hostname; exit code propagated"

start=$(date +%s.%N)
"$RAYCTL" up "$CFG" >"$WORK/up2.out" 2>&1 || { cat "$WORK/up2.out"; fail "second up failed"; }
echo "no-op up took $(awk "BEGIN{print $(date +%s.%N) - $start}") s"
grep -q "is up to date" "$WORK/up2.out" || fail "second up does not say it only verified: $(cat "$WORK/up2.out")"
for h in rctl-h1 rctl-h2 rctl-h3; do
  [ "$(on_host "$h" sh -c 'wc -l < /tmp/rayctl-start.log')" = 1 ] || fail "a start command ran again on $h"
  [ "$(on_host "$h" sh -c 'wc -l < /tmp/rayctl-setup.log')" = 1 ] || fail "a setup command ran again on $h"
done
ok "up again is a no-op (no setup or start command ran)"

"$RAYCTL" status rig-e2e -o json >"$WORK/status.json" || fail "status failed"
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert all(n['reachable'] and n['ray_alive'] for n in s['nodes']), s" "$WORK/status.json" || fail "status not healthy"
ok "status: all reachable and ALIVE"

"$RAYCTL" logs rig-e2e --node worker-2 --component raylet --tail 5 >"$WORK/logs.out" 2>&1 || fail "logs failed: $(cat "$WORK/logs.out")"
grep -q "^\[worker-2\] " "$WORK/logs.out" || fail "logs lines not prefixed"
ok "logs --component raylet"

"$RAYCTL" down rig-e2e >"$WORK/down.out" 2>&1 || { cat "$WORK/down.out"; fail "down failed"; }
for h in rctl-h1 rctl-h2 rctl-h3; do [ "$(ray_procs "$h")" = 0 ] || fail "Ray processes left on $h"; done
[ ! -f "$RAYCTL_STATE_DIR/clusters/rig-e2e.json" ] || fail "state not removed"
"$RAYCTL" down "$CFG" >/dev/null 2>&1 || fail "down is not safe to re-run"
ok "down: no Ray process left on any host; re-run is safe"
for f in "$WORK"/*.out "$WORK"/*.err "$WORK"/*.json; do assert_no_secrets "$f"; done
ok "no secret in any output"
