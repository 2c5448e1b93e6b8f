#!/usr/bin/env bash
# Starts / stops one private Ray head for the Serve benchmark (bench/serve; the integration
# test brings its head up with `rayctl up` instead).
#   ray_head.sh start VENV TEMP_DIR   → starts it in its own session, waits for the dashboard
#   ray_head.sh stop TEMP_DIR         → kills exactly that session's processes
# Never runs `ray stop`: that is machine-wide and would kill other clusters on this host.
# Ports are this area's own (GCS 6385, dashboard 8285, agent 52385, client 10085, workers
# 23800-23999), so it can run beside other Ray heads; 2 CPUs, no GPUs.
set -euo pipefail
cmd="$1"; shift
DASH_PORT="${RAYCTL_SERVE_DASHBOARD_PORT:-8285}"

session_pids() {  # every process in the session recorded at start (workers included)
  local sid; sid="$(cat "$1/rayctl-head.sid" 2>/dev/null || true)"
  [ -n "$sid" ] || return 0
  ps -eo pid=,sid= | awk -v s="$sid" '$2 == s { print $1 }'
}

case "$cmd" in
  start)
    venv="$1"; tmp="$2"
    mkdir -p "$tmp"
    if curl -sf -m 2 "http://127.0.0.1:$DASH_PORT/api/ray/version" >/dev/null 2>&1; then
      echo "ray_head.sh: something already answers on dashboard port $DASH_PORT; refusing to start" >&2; exit 1
    fi
    # setsid: the head, its daemons and every worker share one session id we can kill by.
    setsid bash -c 'echo $$ > "$1/rayctl-head.sid"; shift; exec "$@"' _ "$tmp" \
      "$venv/bin/ray" start --head --port 6385 --dashboard-port "$DASH_PORT" --dashboard-agent-listen-port 52385 \
      --ray-client-server-port 10085 --min-worker-port 23800 --max-worker-port 23999 \
      --num-cpus 2 --num-gpus 0 --temp-dir "$tmp" --disable-usage-stats --include-dashboard true \
      >"$tmp/ray-start.log" 2>&1 </dev/null || { cat "$tmp/ray-start.log" >&2; exit 1; }
    for _ in $(seq 1 120); do
      if curl -sf -m 2 "http://127.0.0.1:$DASH_PORT/api/ray/version" >/dev/null 2>&1 &&
         curl -sf -m 5 "http://127.0.0.1:$DASH_PORT/api/v0/nodes" 2>/dev/null | grep -q '"ALIVE"'; then
        exit 0
      fi
      sleep 0.5
    done
    echo "ray_head.sh: dashboard did not come up on port $DASH_PORT within 60 s" >&2
    cat "$tmp/ray-start.log" >&2; exit 1 ;;
  stop)
    tmp="$1"
    pids="$(session_pids "$tmp")"
    [ -n "$pids" ] || exit 0
    kill -TERM $pids 2>/dev/null || true
    for _ in $(seq 1 20); do
      [ -n "$(session_pids "$tmp")" ] || exit 0
      sleep 0.5
    done
    pids="$(session_pids "$tmp")"
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    for _ in $(seq 1 20); do [ -n "$(session_pids "$tmp")" ] || break; sleep 0.25; done ;;
  *) echo "usage: ray_head.sh start VENV TEMP_DIR | stop TEMP_DIR" >&2; exit 2 ;;
esac
