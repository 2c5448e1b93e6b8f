#!/usr/bin/env bash
# Fault injection on the SSH rig. Each fault: a clear message naming the node, a non-zero exit
# with the documented code, the other nodes unaffected, and a re-run that converges.
# Faults are switched on per host with flag files under $WORK (the hosts share the filesystem).
# Usage: faults.sh /path/to/rayctl
source "$(dirname "$0")/lib.sh"
CFG="$WORK/cluster.yaml"
SETUP='if [ -e '"$WORK"'/hang-$(hostname) ]; then touch '"$WORK"'/hanging-$(hostname); sleep 120; fi; if [ -e '"$WORK"'/fail-$(hostname) ]; then echo "setup fails on purpose" >&2; exit 3; fi'
write_cluster "$CFG" rig-faults "$RIG_KEY" "$SETUP"
cleanup() { "$RAYCTL" down rig-faults >/dev/null 2>&1 || true; "$RIG" up 3 >/dev/null 2>&1 || true; }
trap cleanup EXIT
expect_exit() {  # expect_exit CODE LOGFILE -- rayctl args...
  local want="$1" log="$2"; shift 3
  set +e; "$RAYCTL" "$@" >"$log" 2>&1; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$log"; fail "rayctl $* exited $got, expected $want"; }
}
node_status() { python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print({n['name']: n['status'] for n in s['nodes']}.get(sys.argv[2], 'absent'))" "$RAYCTL_STATE_DIR/clusters/rig-faults.json" "$1"; }

# 1. Wrong key: refused before anything runs, exit 7 (auth), names the node and the key file.
WRONG="$WORK/wrong.yaml"
sed "s#ssh_private_key: .*#ssh_private_key: $RIG_WRONG_KEY#; s#cluster_name: .*#cluster_name: rig-wrongkey#" "$CFG" >"$WRONG"
expect_exit 7 "$WORK/wrongkey.out" -- up "$WRONG"
grep -q "node head: root@$RIG_HOST1:22 rejected the key $RIG_WRONG_KEY" "$WORK/wrongkey.out" || fail "wrong-key message: $(cat "$WORK/wrongkey.out")"
ok "wrong key: exit 7, names node and key"

# 2. Two concurrent `up` on one cluster, then SIGINT during `up`.
touch "$WORK/hang-rctl-h1"
"$RAYCTL" up "$CFG" >"$WORK/first.out" 2>&1 &
FIRST=$!
for _ in $(seq 1 300); do [ -e "$WORK/hanging-rctl-h1" ] && break; sleep 0.2; done
[ -e "$WORK/hanging-rctl-h1" ] || fail "head setup never started"
expect_exit 8 "$WORK/second.out" -- up "$CFG"
grep -q "cluster 'rig-faults' is busy" "$WORK/second.out" || fail "concurrent up message: $(cat "$WORK/second.out")"
ok "concurrent up: exit 8 (conflict) while the first one holds the lock"
kill -INT "$FIRST"
set +e; wait "$FIRST"; rc=$?; set -e
[ "$rc" = 130 ] || { cat "$WORK/first.out"; fail "SIGINT: exit $rc, expected 130"; }
# The remote signal travels over SSH: poll briefly (bounded) instead of one fixed sleep.
for _ in $(seq 1 20); do [ "$(on_host rctl-h1 sh -c 'ps -eo args | grep -c "^sleep 120"')" = 0 ] && break; sleep 0.5; done
[ "$(on_host rctl-h1 sh -c 'ps -eo args | grep -c "^sleep 120"')" = 0 ] || fail "SIGINT left the remote setup command running"
[ "$(node_status head)" = cancelled ] || fail "state after SIGINT: head is $(node_status head)"
rm -f "$WORK/hang-rctl-h1" "$WORK/hanging-rctl-h1"
ok "SIGINT during up: exit 130, remote command signalled, state saved"

# 2b. The head's setup fails. Workers are set up alongside the head but hold before their own
#     `ray start` until the head begins its: they must not start Ray, and must say why.
touch "$WORK/fail-rctl-h1"
expect_exit 1 "$WORK/headfail.out" -- up "$CFG"
grep -q "node head: setup command failed with exit code 3" "$WORK/headfail.out" || fail "head failure message: $(cat "$WORK/headfail.out")"
for w in worker-1 worker-2; do
  grep -q "node $w: Ray not started here because the head failed: node head: setup command failed" "$WORK/headfail.out" ||
    fail "$w does not say the head failed: $(cat "$WORK/headfail.out")"
  [ "$(node_status $w)" = failed ] || fail "state after the head failed: $w is $(node_status $w)"
done
for h in rctl-h2 rctl-h3; do [ "$(ray_procs "$h")" = 0 ] || fail "Ray started on $h although the head failed"; done
rm -f "$WORK/fail-rctl-h1"
ok "head setup fails: exit 1; workers start no Ray and name the head's failure"

# 3. Changed host key on worker-1 and a failing setup command on worker-2; the head comes up.
"$RIG" rekey-host rctl-h2
touch "$WORK/fail-rctl-h3"
expect_exit 7 "$WORK/mixed.out" -- up "$CFG"
grep -q "node worker-1: the host key of $RIG_HOST2 has CHANGED: it now offers ssh-ed25519 SHA256:" "$WORK/mixed.out" || fail "changed-key message: $(cat "$WORK/mixed.out")"
grep -q "node worker-2: setup command failed with exit code 3" "$WORK/mixed.out" || fail "failing-setup message: $(cat "$WORK/mixed.out")"
[ "$(node_status head)" = up-to-date ] || fail "head not up to date after worker faults"
[ "$(node_status worker-2)" = failed ] || fail "worker-2 not recorded as failed"
ok "changed host key (exit 7) + failing setup: both named, head unaffected"

# 4. Unreachable worker-2; worker-1 converges once its key is trusted again.
"$RIG" up 3 >/dev/null  # rewrites the rig's known_hosts with the new key
rm -f "$WORK/fail-rctl-h3"
"$RIG" stop-host rctl-h3
expect_exit 6 "$WORK/unreach.out" -- up "$CFG"
grep -q "node worker-2: cannot connect to root@$RIG_HOST3:22" "$WORK/unreach.out" || fail "unreachable message: $(cat "$WORK/unreach.out")"
[ "$(node_status worker-1)" = up-to-date ] || fail "worker-1 did not converge"
ok "unreachable host: exit 6, names the node; worker-1 converged"

# 5. sshd (the whole host) killed in the middle of worker-2's setup.
"$RIG" start-host rctl-h3
touch "$WORK/hang-rctl-h3"
"$RAYCTL" up "$CFG" >"$WORK/killed.out" 2>&1 &
UP=$!
for _ in $(seq 1 300); do [ -e "$WORK/hanging-rctl-h3" ] && break; sleep 0.2; done
[ -e "$WORK/hanging-rctl-h3" ] || fail "worker-2 setup never started"
"$RIG" stop-host rctl-h3
set +e; wait "$UP"; rc=$?; set -e
[ "$rc" = 6 ] || { cat "$WORK/killed.out"; fail "sshd killed: exit $rc, expected 6"; }
grep -q "node worker-2: the SSH connection to root@$RIG_HOST3:22 was lost" "$WORK/killed.out" || fail "lost-connection message: $(cat "$WORK/killed.out")"
ok "sshd killed mid-setup: exit 6, names the node, never re-runs the command"

# Re-run converges: all three ALIVE.
rm -f "$WORK/hang-rctl-h3" "$WORK/hanging-rctl-h3"
"$RIG" start-host rctl-h3
"$RAYCTL" up "$CFG" -o json >"$WORK/final.json" 2>"$WORK/final.err" || { cat "$WORK/final.err"; fail "re-run did not converge"; }
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert all(n['alive'] for n in r['nodes']) and len(r['nodes'])==3, r" "$WORK/final.json" || fail "not all ALIVE after re-run"
ok "re-run converges: 3 nodes ALIVE"
"$RAYCTL" down rig-faults >"$WORK/down.out" 2>&1 || fail "down failed"
for h in rctl-h1 rctl-h2 rctl-h3; do [ "$(ray_procs "$h")" = 0 ] || fail "Ray left on $h"; done
# 6. A head whose dashboard never serves (--include-dashboard=false): the nodes are up, so `up`
#    succeeds once its bounded dashboard wait runs out, and warns why `status` will not answer.
NODASH="$WORK/nodash.yaml"
sed "s#cluster_name: .*#cluster_name: rig-nodash#; s#--include-dashboard=true#--include-dashboard=false#; s#worker_ips: .*#worker_ips: []#" "$CFG" >"$NODASH"
grep -q -- "--include-dashboard=false" "$NODASH" || fail "nodash.yaml: the head start command was not rewritten"
"$RAYCTL" up "$NODASH" --timeout 4 -o json >"$WORK/nodash.json" 2>"$WORK/nodash.err" || { cat "$WORK/nodash.err"; fail "up without a dashboard failed"; }
grep -q "every node is ALIVE, but the head's dashboard (port 8265) did not answer within --timeout 4s" "$WORK/nodash.err" ||
  fail "no dashboard warning: $(cat "$WORK/nodash.err")"
grep -q "rayctl logs rig-nodash --node head --component dashboard" "$WORK/nodash.err" || fail "the warning names no next step: $(cat "$WORK/nodash.err")"
python3 -c "
import json, sys
r = json.load(open(sys.argv[1]))
t = {p['phase']: p['seconds'] for p in r['timings']}
assert all(n['alive'] for n in r['nodes']) and len(r['nodes']) == 1, r['nodes']
assert 4 <= t['dashboard_wait'] < 15, t" "$WORK/nodash.json" || fail "nodash: $(cat "$WORK/nodash.json")"
"$RAYCTL" down rig-nodash >"$WORK/nodash-down.out" 2>&1 || fail "down rig-nodash failed"
ok "head without a dashboard: up exits 0 after its bounded wait and warns, naming rayctl logs"

for f in "$WORK"/*.out "$WORK"/*.err "$WORK"/*.json; do assert_no_secrets "$f"; done
ok "no secret in any output"
