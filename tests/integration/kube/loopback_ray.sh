# A real Ray head on loopback for the Kubernetes rig tests (sourced; needs RAYCTL, SRC,
# RAY_CLUSTER and a rig already up): `rayctl up` of a local launcher file, and
# ray_loopback_proxy.py on the rig's HTTP_PROXY port, so that the operator's dashboard calls, its
# Serve health checks and the API server's service proxy reach that head for the kwok pods.
# Each test instance N has its own ports (kube_e2e_test.sh 5, doctor.sh 6, diff.sh 7): GCS
# 637N, dashboard 827N, Serve 807N, client 1007N, agent 5237N, workers 24200+200*(N-6) and the
# 199 after.

loopback_ray_head() {  # loopback_ray_head <work dir> <N>: sets VENV, ray_state, proxy_pid; rayctl up's status
  local work="$1" n="$2" rc
  local wmin=$((24200 + 200 * (n - 6)))
  VENV="$(bash "$SRC/scripts/install-ray.sh")"
  ray_state="$work/state"
  cat >"$work/ray-head.yaml" <<YAML
cluster_name: $RAY_CLUSTER
provider: {type: local, head_ip: 127.0.0.1, worker_ips: []}
auth: {ssh_user: root}
head_start_ray_commands:
  - $VENV/bin/ray start --head --port=637$n --dashboard-port=827$n --dashboard-agent-listen-port=5237$n --ray-client-server-port=1007$n --min-worker-port=$wmin --max-worker-port=$((wmin + 199)) --num-cpus=2 --num-gpus=0 --temp-dir=$work/ray --disable-usage-stats --include-dashboard=true
YAML
  RAYCTL_STATE_DIR="$ray_state" "$RAYCTL" up "$work/ray-head.yaml" --timeout 180
  rc=$?
  # Its stderr holds tracebacks of clients that hung up early (the operator's 2 s health checks).
  python3 "$SRC/tests/integration/kube/ray_loopback_proxy.py" "$((RAYCTL_K8S_PORT_BASE + 65))" "$work/proxy.log" \
    8265=827$n 8000=807$n dashboard=827$n serve=807$n 2>"$work/proxy.err" &
  proxy_pid=$!
  return $rc
}

loopback_ray_head_down() {
  [[ -n "${proxy_pid:-}" ]] && kill "$proxy_pid" 2>/dev/null
  [[ -n "${ray_state:-}" ]] && RAYCTL_STATE_DIR="$ray_state" "$RAYCTL" down "$RAY_CLUSTER" >/dev/null 2>&1
  return 0
}

apps_zip() {  # apps_zip <dst>: manifests/apps as a zip with one top-level directory (a working_dir URI)
  python3 - "$SRC/manifests/apps" "$1" <<'PY'
import os, sys, zipfile
src, dst = sys.argv[1:3]
with zipfile.ZipFile(dst, "w") as z:
    for f in sorted(os.listdir(src)):
        if f.endswith(".py"):
            z.write(os.path.join(src, f), "apps/" + f)
PY
}
