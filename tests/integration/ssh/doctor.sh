#!/usr/bin/env bash
# `rayctl doctor` on the SSH rig (#15): one Ray bring-up (head + 2 workers), small Serve apps
# deployed with `rayctl serve deploy --cluster`, then each fault injected must give the expected
# broken layer, check ID, subject and an evidence line in `rayctl -o json doctor` with exit 4,
# and the repaired cluster exit 0. Faults are ordered so that only the last one (the head's
# sshd, which takes the head's Ray with it) needs a new `up`:
#   healthy (3 timed walks) → route mismatch (app/DR601) → replica raising (app/DR603) →
#   bad import_path (serve/DR404) → num_gpus: 1 on CPU-only nodes (resources/DR501) →
#   dashboard killed (dashboard/DR301) → worker-1's raylet killed (ray/DR201) →
#   head's sshd stopped (ssh/DR101) → start-host + up → healthy again.
# Usage: doctor.sh /path/to/rayctl
source "$(dirname "$0")/lib.sh"
CFG="$WORK/cluster.yaml"
NAME=rig-doctor
write_cluster "$CFG" "$NAME" "$RIG_KEY"
cleanup() { "$RAYCTL" down "$NAME" >/dev/null 2>&1 || true; "$RIG" up 3 >/dev/null 2>&1 || true; }
trap cleanup EXIT

# Serve configs: working_dir is a local directory rayctl uploads (relative to the config file).
mkdir -p "$WORK/serve/apps"
cp "$(dirname "$0")/doctor_apps/doctor_apps.py" "$WORK/serve/apps/"
serve_config() {  # serve_config FILE [extra application entries...]
  local file="$1"; shift
  { echo "applications:"
    echo "  - {name: echo, route_prefix: /echo, import_path: 'doctor_apps:echo', runtime_env: {working_dir: ./apps}}"
    for extra in "$@"; do echo "  - $extra"; done; } >"$WORK/serve/$file"
}
serve_config base.yaml
serve_config boom.yaml "{name: boom, route_prefix: /boom, import_path: 'doctor_apps:boom', runtime_env: {working_dir: ./apps}}"
serve_config badimport.yaml "{name: broken, route_prefix: /broken, import_path: 'doctor_no_such_module:app'}"
serve_config gpu.yaml "{name: gpu, route_prefix: /gpu, import_path: 'doctor_apps:gpu', runtime_env: {working_dir: ./apps}}"
deploy() {  # deploy FILE EXPECTED_EXIT [serve deploy flags...]
  local file="$1" want="$2"; shift 2
  set +e; "$RAYCTL" serve deploy "$WORK/serve/$file" --cluster "$NAME" -y "$@" >"$WORK/deploy-$file.out" 2>&1; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$WORK/deploy-$file.out"; fail "serve deploy $file exited $got, expected $want"; }
}

# doctor OUT EXPECTED_EXIT [doctor flags...]: `rayctl -o json doctor` into $WORK/OUT.json.
doctor() {
  local out="$1" want="$2"; shift 2
  set +e; "$RAYCTL" -o json doctor "$NAME" "$@" >"$WORK/$out.json" 2>"$WORK/$out.err"; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$WORK/$out.json" "$WORK/$out.err"; fail "doctor ($out) exited $got, expected $want"; }
}
# expect_broken OUT LAYER ID SUBJECT EVIDENCE: the first failure, and one evidence line containing EVIDENCE.
expect_broken() {
  python3 - "$WORK/$1.json" "$2" "$3" "$4" "$5" <<'PY' || fail "$1: $(cat "$WORK/$1.json")"
import json, sys
r = json.load(open(sys.argv[1]))
layer, cid, subject, evidence = sys.argv[2:6]
f = r["first_failure"]
assert r["broken_layer"] == layer and not r["healthy"], (r["broken_layer"], f)
assert f["id"] == cid and f["subject"] == subject, f
assert any(evidence in line for line in f["evidence"]), f["evidence"]
states = {l["name"]: l["state"] for l in r["layers"]}
after = [l["name"] for l in r["layers"]][[l["name"] for l in r["layers"]].index(layer) + 1:]
assert all(states[l] == "not-checked" for l in after), states
print(f"  {layer}/{cid} [{subject}] {f['summary']}")
for line in f["evidence"][:6]: print(f"    | {line}")
PY
}
expect_healthy() {
  doctor "$1" 0
  python3 - "$WORK/$1.json" <<'PY' || fail "$1 not healthy: $(cat "$WORK/$1.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["healthy"] and r["broken_layer"] is None, r
bad = [l for l in r["layers"] if l["state"] not in ("ok", "warn")]
assert not bad and [l["name"] for l in r["layers"]] == ["ssh", "ray", "dashboard", "serve", "resources", "app"], r["layers"]
PY
}

"$RAYCTL" up "$CFG" >"$WORK/up.out" 2>&1 || { cat "$WORK/up.out"; fail "up failed"; }
deploy base.yaml 0 --timeout 180s
ok "up: head + 2 workers, app echo RUNNING"

# Healthy: exit 0, every layer ok, 3 timed walks (bench/doctor/README.md).
TIMES=()
for i in 1 2 3; do
  start=$(date +%s.%N)
  expect_healthy "healthy-$i"
  TIMES+=("$(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $start}")")
done
python3 -c "import json,sys; r=json.load(open(sys.argv[1])); assert any(c['id']=='DR603' and c['subject']=='/echo' and c['state']=='ok' for c in r['checks']), r['checks']" \
  "$WORK/healthy-3.json" || fail "the healthy walk did not request /echo"
ok "healthy: exit 0, all layers ok; wall times ${TIMES[*]} s"

doctor route 4 --path /nope
expect_broken route app DR601 /nope "route /echo → application echo"
ok "route prefix mismatch: app/DR601 lists the routes"

deploy boom.yaml 0 --timeout 180s
doctor boom 4
expect_broken boom app DR603 /boom "RuntimeError: doctor-rig: this replica fails every request"
python3 -c "import json,sys; f=json.load(open(sys.argv[1]))['first_failure']; assert any('HTTP 500' in l for l in f['evidence']), f" \
  "$WORK/boom.json" || fail "DR603 does not show the 500"
ok "replica raising: app/DR603 with HTTP 500 and the exception's log line"

deploy badimport.yaml 4 --timeout 120s
doctor badimport 4
expect_broken badimport serve DR404 broken "ModuleNotFoundError"
ok "bad import_path: serve/DR404 with the import error"

deploy gpu.yaml 5 --timeout 3s --force
doctor gpu 4
expect_broken gpu resources DR501 gpu/NeedsGpu "has GPU 0"
ok "num_gpus: 1 on CPU-only nodes: resources/DR501"

deploy base.yaml 0 --timeout 120s
expect_healthy repaired-serve
ok "serve faults repaired: exit 0"

DASH_PID="$(on_host rctl-h1 pgrep -f 'ray/dashboard/dashboard.py')" || fail "no dashboard process on the head"
on_host rctl-h1 kill -9 $DASH_PID
doctor dashboard 4
expect_broken dashboard dashboard DR301 "" "head: no dashboard.py process on the head"
grep -q "last lines of dashboard.log" "$WORK/dashboard.json" || fail "DR301 lacks the tail of dashboard.log"
ok "dashboard killed: dashboard/DR301 with the head's dashboard.log"

RAYLET_PID="$(on_host rctl-h2 pgrep -x raylet)" || fail "no raylet on worker-1"
on_host rctl-h2 kill -9 "$RAYLET_PID"
doctor raylet 4
expect_broken raylet ray DR201 worker-1 "raylet."
ok "worker-1's raylet killed: ray/DR201 naming worker-1 with its raylet log lines"

# sshd is the first process of the host's PID namespace: stopping it ends the host's Ray too,
# so this fault goes last and its repair is a new `up`.
on_host rctl-h1 pkill -x sshd || true
for _ in $(seq 1 50); do [ -z "$(ip netns pids rctl-h1)" ] && break; sleep 0.1; done
doctor sshd 4
expect_broken sshd ssh DR101 head "$RIG_HOST1:22"
ok "head's sshd stopped: ssh/DR101 naming the head and its address"

"$RIG" start-host rctl-h1
"$RAYCTL" up "$CFG" >"$WORK/up2.out" 2>&1 || { cat "$WORK/up2.out"; fail "up after the faults failed"; }
deploy base.yaml 0 --timeout 180s
expect_healthy repaired
ok "repaired (start-host, up, deploy): exit 0"

"$RAYCTL" down "$NAME" >"$WORK/down.out" 2>&1 || { cat "$WORK/down.out"; fail "down failed"; }
for f in "$WORK"/*.json "$WORK"/*.err "$WORK"/*.out; do assert_no_secrets "$f"; done
ok "no secret in any output"
echo "doctor healthy wall times (s): ${TIMES[*]}"
