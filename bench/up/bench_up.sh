#!/usr/bin/env bash
# Benchmark: wall time from command start until every node is ALIVE in Ray's GCS, and until the
# cluster is usable (every node ALIVE and the head's dashboard serving), `rayctl up` vs `ray up`
# (plus waiting until its workers show ALIVE and its dashboard serves, since `ray up` returns after
# the head), on the SSH rig, same YAML, for 1 head + W workers; and rayctl's no-op re-run.
#   bench/up/bench_up.sh /path/to/rayctl [W...]     (default W: 1 2 4; needs root)
# Prints one line per run, plus where rayctl's time went (from `up -o json`: per node the phases
# connect / each step / the wait for the head, and the ALIVE wait); results are recorded by hand
# in bench/README.md.
# BENCH_RAY_UP=0 skips the `ray up` baseline; BENCH_RAY_UP_WAIT=S bounds its ALIVE wait (900).
# `ray up` runs with RAY_UP_enable_autoscaler_v2=0 (the switch its own banner documents): with
# Ray 2.53's default autoscaler v2 the head's monitor dies at start on the local provider
# ("The field available_node_types is not supported for on-premise clusters", monitor.err: v2
# re-prepares the config `ray up` already prepared), so no worker ever starts.
# BENCH_RAY_AUTOSCALER_V2=1 runs the default to show that (bound the wait with BENCH_RAY_UP_WAIT).
set -euo pipefail
RAYCTL="$1"; shift
[ $# -gt 0 ] && WORKERS=("$@") || WORKERS=(1 2 4)
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
RIG="$REPO/scripts/rig/rig.sh"
max=0; for w in "${WORKERS[@]}"; do [ "$w" -gt "$max" ] && max=$w; done
"$RIG" up $((max + 1)) >/dev/null
eval "$("$RIG" env)"
WORK="$RIG_DIR/run/bench"; rm -rf "$WORK"; mkdir -p "$WORK"
export RAYCTL_STATE_DIR="$WORK/state" NO_COLOR=1
now() { date +%s.%N; }
# Ends every process of every host and removes its Ray state (/tmp/ray, including the local
# provider's cluster-*.state), and the state `ray up` keeps on this client under /tmp/ray.
reset_hosts() {
  for i in $(seq 1 $((max + 1))); do
    "$RIG" stop-host "rctl-h$i"; rm -rf "$RIG_DIR/hosts/rctl-h$i/tmp/ray"; "$RIG" start-host "rctl-h$i"
  done
  rm -f /tmp/ray/cluster-bench-*.state /tmp/ray/cluster-bench-*.lock
  # `ray up` puts its bootstrap config and a copy of the key in the head's ~, which the rig's
  # hosts share with this machine: remove them when they are this benchmark's.
  if grep -qs '"cluster_name": "bench-' ~/ray_bootstrap_config.yaml; then rm -f ~/ray_bootstrap_config.yaml ~/ray_bootstrap_key.pem; fi
}
SSH=(ssh -q -i "$RIG_KEY" -o UserKnownHostsFile="$RIG_KNOWN_HOSTS" -o StrictHostKeyChecking=yes -o BatchMode=yes)

write_yaml() {  # write_yaml FILE W
  local ips="" i
  for i in $(seq 2 $(($2 + 1))); do ips="$ips${ips:+, }192.168.231.$((10 + i))"; done
  cat >"$1" <<YAML
cluster_name: bench-$2
provider: {type: local, head_ip: 192.168.231.11, worker_ips: [$ips], known_hosts_file: $RIG_KNOWN_HOSTS}
auth: {ssh_user: root, ssh_private_key: $RIG_KEY}
setup_commands: []
head_start_ray_commands:
  - $RIG_RAY_VENV/bin/ray stop
  - ulimit -c unlimited && $RIG_RAY_VENV/bin/ray start --head --port=6379 --num-cpus=1 --disable-usage-stats --autoscaling-config=~/ray_bootstrap_config.yaml
worker_start_ray_commands:
  - $RIG_RAY_VENV/bin/ray stop
  - $RIG_RAY_VENV/bin/ray start --address=\$RAY_HEAD_IP:6379 --num-cpus=1 --disable-usage-stats
YAML
}

alive_count() {  # ALIVE nodes per Ray's GCS, asked on the head (what rayctl up waits for, too)
  "${SSH[@]}" root@192.168.231.11 "$RIG_RAY_VENV/bin/python -c \"from ray._raylet import GcsClient; print(sum(n.state == 0 for n in GcsClient(address='192.168.231.11:6379').get_all_node_info(timeout=3).values()))\"" 2>/dev/null || echo 0
}

for w in "${WORKERS[@]}"; do
  cfg="$WORK/bench-$w.yaml"; write_yaml "$cfg" "$w"
  reset_hosts
  echo "W=$w: load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
  t0=$(now); "$RAYCTL" up "$cfg" -v -o json >"$WORK/rayctl-$w.json" 2>"$WORK/rayctl-$w.log"; t1=$(now)
  "$RAYCTL" up "$cfg" >>"$WORK/rayctl-$w.log" 2>&1; t2=$(now)
  # rayctl up returns once every node is ALIVE *and* the head's dashboard serves (what KubeRay's
  # head readiness probe asks too: the dashboard's api/gcs_healthz); the ALIVE instant is the
  # return minus its dashboard wait (timings in -o json).
  python3 - "$WORK/rayctl-$w.json" "$w" "$t0" "$t1" "$t2" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
w, (t0, t1, t2), load = int(sys.argv[2]), map(float, sys.argv[3:6]), sys.argv[6]
t = {p["phase"]: p["seconds"] for p in r.get("timings", [])}
print("rayctl up   W=%d  all ALIVE after %6.1f s   returns (dashboard serving) after %6.1f s   no-op re-run %5.2f s   (load %s at the end)" % (
    w, t1 - t0 - t.get("dashboard_wait", 0), t1 - t0, t2 - t1, load))
print("  rayctl: nodes %.2f s, ALIVE wait %.2f s, dashboard wait %.2f s, total %.2f s" % (
    t.get("nodes", 0), t.get("alive_wait", 0), t.get("dashboard_wait", 0), r["seconds"]))
for n in r["nodes"]:
    print("    %-9s %5.2f s: %s" % (n["node"], n["seconds"], ", ".join("%s %.2f" % (p["phase"], p["seconds"]) for p in n.get("phases", []))))
PY
  "$RAYCTL" down "$cfg" >/dev/null 2>&1 || true
  reset_hosts
  [ "${BENCH_RAY_UP:-1}" = 1 ] || continue
  t0=$(now)
  RAY_UP_enable_autoscaler_v2="${BENCH_RAY_AUTOSCALER_V2:-0}" "$RIG_RAY_VENV/bin/ray" up "$cfg" -y --no-config-cache \
    >"$WORK/rayup-$w.log" 2>&1 || { echo "ray up failed; see $WORK/rayup-$w.log"; continue; }
  t1=$(now); deadline=$(echo "$t0 + ${BENCH_RAY_UP_WAIT:-900}" | bc); alive=yes
  until [ "$(alive_count)" -ge $((w + 1)) ]; do  # each look takes ~0.5 s (ssh + python)
    if [ "$(echo "$(now) > $deadline" | bc)" = 1 ]; then alive=no; break; fi
    sleep 0.2
  done
  t2=$(now)
  # Then until the head's dashboard serves the same GET rayctl's dashboard wait uses.
  until "${SSH[@]}" root@192.168.231.11 "curl -sf -m 2 -o /dev/null http://127.0.0.1:8265/api/v0/nodes"; do
    if [ "$(echo "$(now) > $deadline" | bc)" = 1 ]; then break; fi
    sleep 0.2
  done
  t3=$(now)
  "$RIG" exec rctl-h1 sh -c 'cat /tmp/ray/session_latest/logs/monitor.err' >"$WORK/rayup-$w.monitor.err" 2>&1 || true
  if [ "$alive" = yes ]; then
    printf 'ray up      W=%d  head done after %6.1f s   all ALIVE after %6.1f s   and dashboard serving after %6.1f s\n' "$w" \
      "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t0" | bc)" "$(echo "$t3 - $t0" | bc)"
  else
    printf 'ray up      W=%d  head done after %6.1f s   workers NOT ALIVE, gave up after %6.1f s (see %s)\n' \
      "$w" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t0" | bc)" "$WORK/rayup-$w.monitor.err"
  fi
  reset_hosts
done
