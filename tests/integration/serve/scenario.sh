#!/usr/bin/env bash
# End-to-end test of `rayctl serve` against a real Ray head (CPU-only, 2 CPUs), one head for
# the whole scenario, brought up by `rayctl up` of a local launcher file (the main job's path).
# Usage: scenario.sh RAYCTL_BINARY SOURCE_DIR
# Covers issue 4's acceptance: deploy rag.yaml (local working_dir) → two queries get different
# contexts → num_replicas change shown as in-place and applied → bad import_path fails with
# Serve's message → --merge keeps the other app → delete → gone; num_gpus:1 refused before the
# PUT with the numbers, and with --force --timeout names the pending replicas; a local
# working_dir runs its code. `--cluster NAME|FILE` (rayctl's state) and --address /
# RAY_DASHBOARD_ADDRESS both find the dashboard.
set -euo pipefail
RAYCTL="$1"; SRC="$2"
HERE="$SRC/tests/integration/serve"
ADDR=http://127.0.0.1:8285
SERVE_URL=http://127.0.0.1:8085
CLUSTER=rayctl-serve-it

# The pinned Ray (protobuf<7 is pinned there too: Ray 2.53's Serve breaks with protobuf 7).
VENV="$(bash "$SRC/scripts/install-ray.sh")"
PY="$VENV/bin/python"

TMP="$(mktemp -d /tmp/rayctl-serve-it.XXXXXX)"
export RAYCTL_STATE_DIR="$TMP/state" NO_COLOR=1
cleanup() {
  "$RAYCTL" down "$CLUSTER" >/dev/null 2>&1 || true
  # If down failed: end exactly the sessions `up` recorded for this cluster (never `ray stop`).
  for sid in $(cat "/tmp/rayctl-$CLUSTER/ray.sid" 2>/dev/null); do
    [ "$sid" -gt 1 ] 2>/dev/null && pkill -KILL -s "$sid" 2>/dev/null || true
  done
  rm -rf "$TMP" "/tmp/rayctl-$CLUSTER"
}
trap cleanup EXIT
step() { echo; echo "=== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
# expect CODE CMD...: runs CMD, captures stdout in $TMP/out and stderr in $TMP/err, checks the
# exit code. contains() looks at both; json() parses stdout only.
expect() {
  local want="$1"; shift
  set +e; "$@" >"$TMP/out" 2>"$TMP/err"; local got=$?; set -e
  cat "$TMP/out" "$TMP/err"
  [ "$got" = "$want" ] || fail "expected exit $want, got $got from: $*"
}
contains() { cat "$TMP/out" "$TMP/err" | grep -qF -- "$1" || fail "output does not contain: $1"; }
json() { "$PY" -c "import json,sys; d=json.load(open('$TMP/out')); print($1)"; }

step "rayctl up: a private one-node Ray cluster on this machine (the serve test's ports)"
if curl -sf -m 2 "$ADDR/api/ray/version" >/dev/null 2>&1; then
  fail "something already answers on the serve test's dashboard port ($ADDR)"
fi
cat > "$TMP/cluster.yaml" <<YAML
cluster_name: $CLUSTER
provider:
  type: local
  head_ip: 127.0.0.1
  worker_ips: []
auth:
  ssh_user: root
setup_commands: []
head_start_ray_commands:
  - $VENV/bin/ray start --head --port=6385 --dashboard-port=8285 --dashboard-agent-listen-port=52385 --ray-client-server-port=10085 --min-worker-port=23800 --max-worker-port=23999 --num-cpus=2 --num-gpus=0 --temp-dir=$TMP/ray --disable-usage-stats --include-dashboard=true
YAML
expect 0 "$RAYCTL" up "$TMP/cluster.yaml" --timeout 180
expect 0 "$RAYCTL" status "$CLUSTER" -o json
[ "$(json 'd["dashboard_url"]')" = "$ADDR" ] || fail "the cluster's recorded dashboard is not $ADDR"

# The repo's rag.yaml with the test's Serve port; working_dir stays a LOCAL relative path.
mkdir -p "$TMP/cfg/serve"
cp -r "$SRC/manifests/apps" "$TMP/cfg/apps"
sed 's/port: 8000/port: 8085/' "$SRC/manifests/serve/rag.yaml" > "$TMP/cfg/serve/rag.yaml"
grep -q "port: 8085" "$TMP/cfg/serve/rag.yaml" || fail "could not set the Serve port"

step "serve status before anything is deployed: --cluster NAME, --cluster FILE, --address, env"
expect 0 "$RAYCTL" serve status --cluster "$CLUSTER" -o json
[ "$(json 'len(d["applications"])')" = 0 ] || fail "applications already deployed"
expect 0 "$RAYCTL" serve status --cluster "$TMP/cluster.yaml"
expect 0 "$RAYCTL" serve status --address "$ADDR"
expect 1 "$RAYCTL" serve status --cluster no-such-cluster
contains "recorded clusters: $CLUSTER"
expect 2 "$RAYCTL" serve status --cluster "$CLUSTER" --address "$ADDR"
export RAY_DASHBOARD_ADDRESS="$ADDR"

step "deploy rag.yaml (local working_dir is uploaded)"
expect 0 "$RAYCTL" serve deploy "$TMP/cfg/serve/rag.yaml" --cluster "$CLUSTER" --timeout 180s
contains "+ app rag (new)"
contains "gcs://_ray_pkg_"
contains "RUNNING"

step "two different queries return different contexts"
q() { curl -sf -m 20 "$SERVE_URL/" -H 'Content-Type: application/json' -d "{\"query\": \"$1\"}"; }
q "How does Ray Serve route requests?" > "$TMP/a.json"
q "What should I check when GPU scheduling fails?" > "$TMP/b.json"
cat "$TMP/a.json"; echo; cat "$TMP/b.json"; echo
"$PY" - "$TMP/a.json" "$TMP/b.json" <<'PYEOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert a["context"] and b["context"], "empty context"
assert a["context"] != b["context"], f"same context for different queries: {a['context']}"
print("contexts differ:", a["sources"], "vs", b["sources"])
PYEOF

step "serve status exits 0 and reports RUNNING; config shows the uploaded URI"
expect 0 "$RAYCTL" serve status -o json
[ "$(json 'd["applications"]["rag"]["status"]')" = RUNNING ] || fail "rag not RUNNING"
expect 0 "$RAYCTL" serve config rag --cluster "$CLUSTER"
contains "working_dir: gcs://_ray_pkg_"

step "num_replicas 1 → 2 for Retriever: the diff says in-place, the replica count changes"
"$PY" - "$TMP/cfg/serve/rag.yaml" "$TMP/cfg/serve/rag2.yaml" <<'PYEOF'
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
for d in c["applications"][0]["deployments"]:
    if d["name"] == "Retriever":
        d["num_replicas"] = 2
yaml.safe_dump(c, open(sys.argv[2], "w"), sort_keys=False)
PYEOF
expect 0 "$RAYCTL" serve deploy "$TMP/cfg/serve/rag2.yaml" --timeout 180s
contains "deployment Retriever (in-place)"
contains "num_replicas: 1 → 2  [in-place]"
expect 0 "$RAYCTL" serve status rag -o json
[ "$(json 'd["applications"]["rag"]["deployments"]["Retriever"]["running_replicas"]')" = 2 ] || fail "Retriever does not have 2 replicas"

step "a bad import_path: non-zero exit with Serve's own error message"
cat > "$TMP/cfg/serve/broken.yaml" <<YAML
applications:
  - name: broken
    route_prefix: /broken
    import_path: rag_no_such_module:app
YAML
expect 4 "$RAYCTL" serve deploy "$TMP/cfg/serve/broken.yaml" --merge --timeout 120s
contains "DEPLOY_FAILED"
contains "ModuleNotFoundError"
expect 4 "$RAYCTL" serve status
expect 0 "$RAYCTL" serve delete broken --cluster "$CLUSTER"
expect 0 "$RAYCTL" serve status

step "a local working_dir runs code from that directory; --merge keeps rag alive"
mkdir -p "$TMP/echo"
cp "$HERE/echo_app/echo.py" "$TMP/echo/"
MARKER="marker-$RANDOM-$$"
echo "$MARKER" > "$TMP/echo/marker.txt"
cat > "$TMP/cfg/echo.yaml" <<YAML
applications:
  - name: echo
    route_prefix: /echo
    import_path: echo:app
    runtime_env:
      working_dir: ./../echo
YAML
expect 0 "$RAYCTL" serve deploy "$TMP/cfg/echo.yaml" --merge --timeout 120s
contains "+ app echo (new)"
contains "app rag (kept)"
curl -sf -m 20 "$SERVE_URL/echo" > "$TMP/out"; : > "$TMP/err"; cat "$TMP/out"; echo
contains "$MARKER"
expect 0 "$RAYCTL" serve status -o json
[ "$(json 'd["applications"]["rag"]["status"]')" = RUNNING ] || fail "--merge did not keep rag"
q "How does KubeRay run Ray?" > /dev/null || fail "rag stopped answering after the merge deploy"

step "without --merge, deleting a live app needs -y (stdin is not a TTY)"
expect 2 "$RAYCTL" serve deploy "$TMP/cfg/serve/rag2.yaml" </dev/null
contains "echo"
contains "-y"

step "delete echo → gone; rag stays"
expect 0 "$RAYCTL" serve delete echo
expect 0 "$RAYCTL" serve status -o json
[ "$(json '"echo" in d["applications"]')" = False ] || fail "echo still there"
[ "$(json '"rag" in d["applications"]')" = True ] || fail "rag was deleted too"

step "delete everything → gone"
expect 0 "$RAYCTL" serve delete -y
expect 0 "$RAYCTL" serve status -o json
[ "$(json 'len(d["applications"])')" = 0 ] || fail "applications left after delete"

step "num_gpus: 1 on a CPU-only cluster is refused before the PUT, with the numbers"
cat > "$TMP/cfg/gpu.yaml" <<YAML
applications:
  - name: gpu
    route_prefix: /gpu
    import_path: echo:app
    runtime_env:
      working_dir: ../echo
    deployments:
      - name: Echo
        num_replicas: 1
        ray_actor_options:
          num_gpus: 1
YAML
expect 1 "$RAYCTL" serve deploy "$TMP/cfg/gpu.yaml"
contains "pre-flight"
contains "deployment 'Echo' of application 'gpu' asks for 1 GPU per replica"
contains "the most any node offers is 0 GPUs"
expect 0 "$RAYCTL" serve status -o json
[ "$(json '"gpu" in d["applications"]')" = False ] || fail "the refused config reached Serve"

step "with --force, --timeout expires naming the pending replicas"
expect 5 "$RAYCTL" serve deploy "$TMP/cfg/gpu.yaml" --force --timeout 20s
contains "--timeout"
contains "gpu/Echo"
contains "0/1 running"
expect 3 "$RAYCTL" serve status gpu
expect 0 "$RAYCTL" serve delete -y --cluster "$CLUSTER" --timeout 60s
expect 0 "$RAYCTL" serve status -o json
[ "$(json 'len(d["applications"])')" = 0 ] || fail "applications left after delete"

step "rayctl down: the cluster's Ray processes are gone"
expect 0 "$RAYCTL" down "$CLUSTER"
if curl -sf -m 2 "$ADDR/api/ray/version" >/dev/null 2>&1; then fail "the dashboard still answers after down"; fi

echo; echo "serve scenario: PASS"
