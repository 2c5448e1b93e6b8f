#!/usr/bin/env bash
# What one `ray start` costs on the rig, without rayctl: the wall time and CPU seconds of
# `ray start --head` on rctl-h1, then of W workers' `ray start --address=HEAD` at once on
# rctl-h2..; CPU = the `ray start` command itself (user+sys, /usr/bin/time) plus every process it
# left running on that host (utime+stime from /proc, read when it returned and 5 s later).
# It bounds what any launcher can do on this machine: N workers need N times a worker's CPU.
#   bench/up/ray_start_cost.sh [W]      (default 1; needs root and the rig: scripts/rig/rig.sh up W+1)
set -euo pipefail
W="${1:-1}"
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
RIG="$REPO/scripts/rig/rig.sh"
eval "$("$RIG" env)"
RAY="$RIG_RAY_VENV/bin/ray"
OUT="$RIG_DIR/run/ray-start-cost"; mkdir -p "$OUT"
host_cpu() {  # CPU seconds of the live processes of host $1
  local t=0 p
  for p in $(ip netns pids "$1"); do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "scale=2; $t / $(getconf CLK_TCK)" | bc
}
reset() {
  local i
  for i in $(seq 1 $((W + 1))); do
    "$RIG" stop-host "rctl-h$i"; rm -rf "$RIG_DIR/hosts/rctl-h$i/tmp/ray"; "$RIG" start-host "rctl-h$i"
  done
}
timed() {  # timed NAME HOST ARGS...: runs ray start on HOST, prints "NAME wall cpu_cli cpu_left"
  local name="$1" host="$2"; shift 2
  /usr/bin/time -f "%e %U %S" -o "$OUT/$name.time" "$RIG" exec "$host" "$RAY" start "$@" >"$OUT/$name.log" 2>&1
  read -r wall u s <"$OUT/$name.time"
  echo "$name $wall $(echo "$u + $s" | bc) $(host_cpu "$host")"
}
reset
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
read -r _ wall cli left < <(timed head rctl-h1 --head --port=6379 --num-cpus=1 --disable-usage-stats)
sleep 5
printf 'head    ray start %5.1f s wall, CPU: command %.2f s + left running %.2f s (%.2f s 5 s later)\n' \
  "$wall" "$cli" "$left" "$(host_cpu rctl-h1)"
t0=$(date +%s.%N)
for i in $(seq 2 $((W + 1))); do
  timed "worker$i" "rctl-h$i" --address="$RIG_HOST1:6379" --num-cpus=1 --disable-usage-stats >"$OUT/worker$i.row" &
done
wait
all=$(echo "$(date +%s.%N) - $t0" | bc)
sleep 5
for i in $(seq 2 $((W + 1))); do
  read -r _ wall cli left <"$OUT/worker$i.row"
  printf 'worker%d ray start %5.1f s wall, CPU: command %.2f s + left running %.2f s (%.2f s 5 s later)\n' \
    "$((i - 1))" "$wall" "$cli" "$left" "$(host_cpu "rctl-h$i")"
done
printf '%d worker(s) at once: all returned after %.1f s; load average %s\n' "$W" "$all" "$(cut -d' ' -f1 /proc/loadavg)"
reset
