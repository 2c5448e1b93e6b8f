#!/usr/bin/env bash
# End-to-end on the SSH rig: up head + 2 workers → 3 ALIVE nodes → exec --all hostname → up
# again is a no-op (no setup or start command ran) → status → logs (and logs -f until SIGINT)
# → down → no Ray process left on any host. Usage: e2e.sh /path/to/rayctl
#
# Every connection goes through a bastion (provider.bastion = the head, rctl-h1), and the
# workers are given by host name (rctl-h2, rctl-h3), which the hosts resolve through the rig's
# hosts file. On this client the names resolve to loopback decoys, as for a cluster whose names
# only the bastion knows: the ALIVE wait can then only match them through the addresses the
# nodes report over SSH. The workers' sshd logs show every connection came from the bastion.
source "$(dirname "$0")/lib.sh"
CFG="$WORK/cluster.yaml"
write_cluster "$CFG" rig-e2e "$RIG_KEY"
sed -i "s/worker_ips: .*/worker_ips: [rctl-h2, rctl-h3]/; s/^  connect_timeout_s: 5\$/&\\n  bastion: root@$RIG_HOST1:22/" "$CFG"
grep -q "bastion: root@$RIG_HOST1:22" "$CFG" || fail "cluster file lacks the bastion"
printf '127.0.0.1 localhost\n127.0.0.2 rctl-h2\n127.0.0.3 rctl-h3\n' >"$WORK/client_hosts"
rayctl() { RIG_ETC_HOSTS="$WORK/client_hosts" "$RIG" with-hosts "$RAYCTL" "$@"; }
sshd_log_lines() { wc -l <"$RIG_DIR/hosts/$1/sshd.log"; }
declare -A LOG0
for h in rctl-h2 rctl-h3; do LOG0[$h]=$(sshd_log_lines "$h"); done
for h in rctl-h1 rctl-h2 rctl-h3; do on_host "$h" rm -f /tmp/rayctl-setup.log /tmp/rayctl-start.log; done

rayctl up "$CFG" --dry-run >"$WORK/plan.txt" || fail "dry-run failed"
grep -q "worker-2 (rctl-h3, worker, ssh): setup+start" "$WORK/plan.txt" || fail "plan lacks worker-2: $(cat "$WORK/plan.txt")"
grep -q "removed --autoscaling-config" "$WORK/plan.txt" || fail "plan does not say it drops --autoscaling-config"
ok "dry run prints the plan per node"

start=$(date +%s.%N)
rayctl up "$CFG" -o json >"$WORK/up.json" 2>"$WORK/up.err" || { cat "$WORK/up.err"; fail "up failed"; }
echo "up took $(awk "BEGIN{print $(date +%s.%N) - $start}") s"
python3 - "$WORK/up.json" <<'PY' || fail "up -o json does not show 3 ALIVE nodes"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["changed"] and len(r["nodes"]) == 3, r
assert all(n["alive"] and n["ok"] for n in r["nodes"]), r["nodes"]
assert r["head_address"] == "192.168.231.11:6379", r["head_address"]
PY
ok "up: 3 nodes ALIVE"
python3 - "$RAYCTL_STATE_DIR/clusters/rig-e2e.json" "$RIG_HOST2" "$RIG_HOST3" <<'PY' || fail "workers' own addresses not recorded"
import json, sys
nodes = {n["name"]: n for n in json.load(open(sys.argv[1]))["nodes"]}
assert sys.argv[2] in nodes["worker-1"]["addresses"] and sys.argv[3] in nodes["worker-2"]["addresses"], nodes
PY
ok "workers given by name matched in the ALIVE wait through the addresses they reported"
for h in rctl-h2 rctl-h3; do
  tail -n +$((LOG0[$h] + 1)) "$RIG_DIR/hosts/$h/sshd.log" >"$WORK/sshd-$h.log"
  grep -q "Connection from $RIG_HOST1 port" "$WORK/sshd-$h.log" || fail "no connection from the bastion in $h's sshd log"
  if grep "Connection from " "$WORK/sshd-$h.log" | grep -vq "Connection from $RIG_HOST1 port"; then
    fail "$h was reached other than through the bastion: $(grep 'Connection from' "$WORK/sshd-$h.log")"
  fi
done
ok "every connection to the workers came from the bastion ($RIG_HOST1)"
for h in rctl-h1 rctl-h2 rctl-h3; do
  [ "$(on_host "$h" cat /tmp/rayctl-mount/hello.txt)" = mounted-rig-e2e ] || fail "file mount missing on $h"
done
ok "file_mounts uploaded to every node"

rayctl exec rig-e2e --all -- hostname >"$WORK/exec.out" 2>"$WORK/exec.err" || fail "exec --all failed: $(cat "$WORK/exec.err")"
for h in rctl-h1 rctl-h2 rctl-h3; do grep -q "] $h\$" "$WORK/exec.out" || fail "exec --all lacks $h: $(cat "$WORK/exec.out")"; done
rayctl exec rig-e2e --node worker-1 -- 'exit 7' && fail "exit code not propagated" || [ $? = 7 ] || fail "exec exit code is not 7"
ok "exec --all hostname; exit code propagated"

start=$(date +%s.%N)
rayctl up "$CFG" >"$WORK/up2.out" 2>&1 || { cat "$WORK/up2.out"; fail "second up failed"; }
echo "no-op up took $(awk "BEGIN{print $(date +%s.%N) - $start}") s"
grep -q "is up to date" "$WORK/up2.out" || fail "second up does not say it only verified: $(cat "$WORK/up2.out")"
for h in rctl-h1 rctl-h2 rctl-h3; do
  [ "$(on_host "$h" sh -c 'wc -l < /tmp/rayctl-start.log')" = 1 ] || fail "a start command ran again on $h"
  [ "$(on_host "$h" sh -c 'wc -l < /tmp/rayctl-setup.log')" = 1 ] || fail "a setup command ran again on $h"
done
ok "up again is a no-op (no setup or start command ran)"

rayctl status rig-e2e -o json >"$WORK/status.json" || fail "status failed: $(cat "$WORK/status.json")"
python3 -c "import json,sys; s=json.load(open(sys.argv[1])); assert all(n['reachable'] and n['ray_alive'] for n in s['nodes']), s" "$WORK/status.json" || fail "status not healthy"
ok "status: all reachable and ALIVE"

rayctl logs rig-e2e --node worker-2 --component raylet --tail 5 >"$WORK/logs.out" 2>&1 || fail "logs failed: $(cat "$WORK/logs.out")"
grep -q "^\[worker-2\] " "$WORK/logs.out" || fail "logs lines not prefixed"
ok "logs --component raylet"

# logs -f: a line appended to the raylet log after it started shows up; SIGINT ends it cleanly.
RIG_ETC_HOSTS="$WORK/client_hosts" "$RIG" with-hosts "$RAYCTL" logs rig-e2e --node worker-2 --component raylet \
  -f --tail 1 >"$WORK/follow.out" 2>"$WORK/follow.err" &
FOLLOW=$!
for _ in $(seq 1 100); do [ -s "$WORK/follow.out" ] && break; sleep 0.2; done
[ -s "$WORK/follow.out" ] || { kill -INT $FOLLOW; fail "logs -f printed nothing: $(cat "$WORK/follow.err")"; }
MARK="rayctl-follow-$RANDOM$RANDOM"
on_host rctl-h3 sh -c "echo $MARK >> /tmp/ray/session_latest/logs/raylet.out"
for _ in $(seq 1 100); do grep -qx "\[worker-2\] $MARK" "$WORK/follow.out" && break; sleep 0.2; done
grep -qx "\[worker-2\] $MARK" "$WORK/follow.out" || { kill -INT $FOLLOW; fail "appended line not followed: $(cat "$WORK/follow.out")"; }
kill -INT $FOLLOW
set +e; wait $FOLLOW; rc=$?; set -e
[ "$rc" = 0 ] || fail "logs -f after SIGINT: exit $rc, expected 0: $(cat "$WORK/follow.err")"
[ ! -s "$WORK/follow.err" ] || fail "logs -f printed errors on SIGINT: $(cat "$WORK/follow.err")"
for _ in $(seq 1 20); do [ "$(on_host rctl-h3 sh -c 'ps -eo args | grep -c "^tail -n 1 -F"')" = 0 ] && break; sleep 0.5; done
[ "$(on_host rctl-h3 sh -c 'ps -eo args | grep -c "^tail -n 1 -F"')" = 0 ] || fail "logs -f left its remote tail running"
ok "logs -f: followed an appended line; SIGINT ends it with exit 0 and stops the remote tail"

rayctl down rig-e2e >"$WORK/down.out" 2>&1 || { cat "$WORK/down.out"; fail "down failed"; }
for h in rctl-h1 rctl-h2 rctl-h3; do [ "$(ray_procs "$h")" = 0 ] || fail "Ray processes left on $h"; done
[ ! -f "$RAYCTL_STATE_DIR/clusters/rig-e2e.json" ] || fail "state not removed"
rayctl down "$CFG" >/dev/null 2>&1 || fail "down is not safe to re-run"
ok "down: no Ray process left on any host; re-run is safe"
for f in "$WORK"/*.out "$WORK"/*.err "$WORK"/*.json; do assert_no_secrets "$f"; done
ok "no secret in any output"
