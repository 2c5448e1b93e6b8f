#!/usr/bin/env bash
# A node that stops answering in the middle of `exec --all` (#12 item 10): every process of rig
# host rctl-h3 (worker-2) is frozen with SIGSTOP, so its kernel still ACKs TCP but nothing
# answers SSH. With the default keepalives (10 s x 3) rayctl must name worker-2 as dead within
# ~30 s (the test allows 45), while the head and worker-1 finish their command normally.
# Usage: dead_node.sh /path/to/rayctl
source "$(dirname "$0")/lib.sh"

CFG="$WORK/cluster.yaml"
write_cluster "$CFG" rig-dead "$RIG_KEY"
"$RAYCTL" exec "$CFG" --all -- true >"$WORK/warm.out" 2>&1 || fail "exec before the fault: $(cat "$WORK/warm.out")"

FROZEN=""
thaw() { [ -z "$FROZEN" ] || kill -CONT $FROZEN 2>/dev/null || true; }
trap thaw EXIT

# The command runs 40 s: longer than the detection window, so only keepalives can tell.
"$RAYCTL" exec "$CFG" --all -- 'sleep 40; echo finished-$(hostname)' >"$WORK/exec.out" 2>&1 &
EXEC_PID=$!
sleep 3
FROZEN="$(ip netns pids rctl-h3 | tr '\n' ' ')"
[ -n "$FROZEN" ] || fail "no processes found in rctl-h3's namespace"
# shellcheck disable=SC2086
kill -STOP $FROZEN
STOPPED_AT=$(date +%s)
echo "froze rctl-h3: $(echo $FROZEN | wc -w) processes"

# Bounded: the command itself ends after 40 s; rayctl must not wait for worker-2 much longer.
for _ in $(seq 1 150); do kill -0 "$EXEC_PID" 2>/dev/null || break; sleep 0.5; done
if kill -0 "$EXEC_PID" 2>/dev/null; then
  kill "$EXEC_PID"
  fail "exec --all still waiting 75 s after rctl-h3 froze: $(cat "$WORK/exec.out")"
fi
set +e
wait "$EXEC_PID"
rc=$?
set -e
ELAPSED=$(($(date +%s) - STOPPED_AT))
cat "$WORK/exec.out"
[ "$rc" -ne 0 ] || fail "exec --all exited 0 although worker-2 was dead"
grep -q "node worker-2 (root@$RIG_HOST3:22) stopped answering while running a command: nothing from it for 30 s" \
  "$WORK/exec.out" || fail "worker-2 not named as dead"
grep -q "finished-rctl-h1" "$WORK/exec.out" || fail "the head did not finish its command"
grep -q "finished-rctl-h2" "$WORK/exec.out" || fail "worker-1 did not finish its command"
ok "frozen worker-2 named dead; head and worker-1 finished (exit $rc, ${ELAPSED}s after the freeze)"

# The verdict came from the keepalive window, not from the command's 40 s: worker-2's row in the
# table (TIME = how long its step ran) must end well before the command could have.
W2_TIME="$(awk '$1 == "worker-2" { sub(/s$/, "", $4); print $4 }' "$WORK/exec.out")"
[ -n "$W2_TIME" ] || fail "no worker-2 row in the table"
awk -v t="$W2_TIME" 'BEGIN { exit !(t + 0 < 39) }' || fail "worker-2 declared dead after ${W2_TIME}s (want ~33: 3 s + 30 s window)"
ok "worker-2 declared dead ${W2_TIME}s into its step (frozen at 3 s; the command needed 40 s)"

thaw
FROZEN=""
"$RAYCTL" exec "$CFG" --node worker-2 -- true >"$WORK/after.out" 2>&1 || fail "worker-2 after thawing: $(cat "$WORK/after.out")"
ok "worker-2 answers again once thawed"
