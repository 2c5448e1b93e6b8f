#!/usr/bin/env bash
# `rayctl serve --cluster NAME` through an SSH tunnel, on the SSH rig (scripts/rig/rig.sh:
# network-namespace hosts with real sshd; needs root). The head runs on rctl-h1 with Ray's
# default dashboard binding (127.0.0.1 on the head), so nothing outside h1 can reach it
# directly: status, a deploy with a local working_dir (package upload through the tunnel),
# config, delete and `rayctl dashboard` must all go over SSH. Usage: tunnel.sh RAYCTL_BINARY
source "$(dirname "$0")/../ssh/lib.sh"
HERE="$REPO/tests/integration/serve"
NAME=serve-tunnel
CFG="$WORK/cluster.yaml"
cat >"$CFG" <<YAML
cluster_name: $NAME
provider:
  type: local
  head_ip: $RIG_HOST1
  worker_ips: []
  known_hosts_file: $RIG_KNOWN_HOSTS
  connect_timeout_s: 5
auth:
  ssh_user: root
  ssh_private_key: $RIG_KEY
head_start_ray_commands:
  - ulimit -c 0 && $RIG_RAY_VENV/bin/ray start --head --port=6379 --num-cpus=1 --disable-usage-stats --include-dashboard=true
YAML
cleanup() { "$RAYCTL" down "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT
run() {  # run WANT_RC NAME CMD...: output in $WORK/NAME.out / .err
  local want="$1" out="$WORK/$2"; shift 2
  set +e; "$@" >"$out.out" 2>"$out.err"; local rc=$?; set -e
  [ "$rc" = "$want" ] || { cat "$out.out" "$out.err"; fail "exit $rc (want $want) from: $*"; }
}

run 0 up "$RAYCTL" up "$CFG" --timeout 240
ok "up: head on $RIG_HOST1"
if curl -sf -m 3 "http://$RIG_HOST1:8265/api/ray/version" >/dev/null 2>&1; then
  fail "the head's dashboard answers from outside the host: the tunnel would not be needed"
fi
ok "the dashboard is not reachable directly (bound to the head's loopback)"

run 0 status "$RAYCTL" -v serve status --cluster "$NAME" -o json
grep -q "SSH tunnel to $RIG_HOST1:8265" "$WORK/status.err" || { cat "$WORK/status.err"; fail "no SSH tunnel used"; }
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['applications'] == {} else 1)" "$WORK/status.out" ||
  fail "serve status through the tunnel: $(cat "$WORK/status.out")"
ok "serve status --cluster: through the SSH tunnel"

mkdir -p "$WORK/echo"
cp "$HERE/echo_app/echo.py" "$WORK/echo/"
MARKER="tunnel-$RANDOM-$$"
echo "$MARKER" >"$WORK/echo/marker.txt"
cat >"$WORK/echo.yaml" <<YAML
proxy_location: HeadOnly
http_options: {host: 127.0.0.1, port: 8000}
applications:
  - name: echo
    route_prefix: /echo
    import_path: echo:app
    runtime_env:
      working_dir: ./echo
YAML
run 0 deploy "$RAYCTL" serve deploy "$WORK/echo.yaml" --cluster "$CFG" --timeout 240s
grep -q "gcs://_ray_pkg_" "$WORK/deploy.err" || fail "the local working_dir was not uploaded: $(cat "$WORK/deploy.err")"
[ "$(on_host rctl-h1 curl -sf -m 20 http://127.0.0.1:8000/echo | python3 -c 'import json,sys; print(json.load(sys.stdin)["marker"])')" = "$MARKER" ] ||
  fail "the app on the head does not answer with the uploaded marker"
ok "serve deploy --cluster FILE: working_dir uploaded through the tunnel; the app runs that code"

run 0 config "$RAYCTL" serve config echo --cluster "$NAME"
grep -q "working_dir: gcs://_ray_pkg_" "$WORK/config.out" || fail "serve config: $(cat "$WORK/config.out")"
run 0 delete "$RAYCTL" serve delete -y --cluster "$NAME"
run 0 status2 "$RAYCTL" serve status --cluster "$NAME" -o json
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['applications'] == {} else 1)" "$WORK/status2.out" ||
  fail "applications left after delete"
ok "serve config / delete --cluster through the tunnel"

# `rayctl dashboard NAME`: the head's loopback-only dashboard on a local port, for a browser;
# Ctrl-C (SIGINT) ends it with exit 0.
"$RAYCTL" dashboard "$NAME" --port 0 -o json >"$WORK/dash.out" 2>"$WORK/dash.err" &
DASH=$!
for _ in $(seq 50); do [ -s "$WORK/dash.out" ] && break; sleep 0.2; done
DASH_URL="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$WORK/dash.out")" ||
  { cat "$WORK/dash.out" "$WORK/dash.err"; fail "rayctl dashboard printed no URL"; }
[[ "$DASH_URL" == http://127.0.0.1:* ]] || fail "dashboard URL is not local: $DASH_URL"
curl -sf -m 20 "$DASH_URL/api/version" | grep -q '"ray_version"' || fail "the dashboard API does not answer at $DASH_URL"
curl -sf -m 20 "$DASH_URL/" | grep -qi '<html' || fail "the dashboard page does not load at $DASH_URL"
kill -INT "$DASH"
wait "$DASH" || fail "rayctl dashboard exited $? after Ctrl-C: $(cat "$WORK/dash.err")"
ok "dashboard NAME: the loopback-only dashboard served locally at $DASH_URL until Ctrl-C"

# `rayctl attach NAME -p LOCAL:8265` (ray attach --port-forward, with ssh -L's LOCAL:REMOTE form):
# while the shell runs, the head's loopback-only dashboard answers on 127.0.0.1:LOCAL here; when
# the shell exits, the port closes.
FWD_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 - "$(dirname "$0")/../ssh" "$RAYCTL" "$NAME" "$FWD_PORT" <<'PY' || fail "attach --port-forward"
import sys, time, urllib.request
sys.path.insert(0, sys.argv[1])
from ptyrun import PtyRun
rayctl, name, port = sys.argv[2], sys.argv[3], int(sys.argv[4])
p = PtyRun([rayctl, "attach", name, "-p", f"{port}:8265"])
p.send("echo attached-$((6*7)) on $(hostname)\r")
p.expect(r"attached-42 on rctl-h1", timeout=30)
body = urllib.request.urlopen(f"http://127.0.0.1:{port}/api/version", timeout=20).read().decode()
assert '"ray_version"' in body, body
p.send("exit\r")
assert p.wait(timeout=20) == 0, p.text()
try:
    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/version", timeout=5)
    raise SystemExit("the forwarded port still answers after the shell exited")
except OSError:
    pass
PY
ok "attach -p $FWD_PORT:8265: the head's dashboard on 127.0.0.1:$FWD_PORT while attached, closed after"

run 0 down "$RAYCTL" down "$NAME"
[ "$(ray_procs rctl-h1)" = 0 ] || fail "Ray processes left on rctl-h1"
ok "down"
