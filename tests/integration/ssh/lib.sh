# Shared helpers for the SSH rig integration tests (sourced). Sets up the rig (idempotent),
# a private state dir and cluster files. Needs root (network namespaces).
set -euo pipefail
RAYCTL="${RAYCTL:-${1:-}}"
[ -x "$RAYCTL" ] || { echo "usage: $0 /path/to/rayctl" >&2; exit 2; }
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
RIG="$REPO/scripts/rig/rig.sh"
"$RIG" up 3 >/dev/null
eval "$("$RIG" env)"
WORK="$RIG_DIR/run/$(basename "$0" .sh)"
rm -rf "$WORK" && mkdir -p "$WORK"
export RAYCTL_STATE_DIR="$WORK/state"
export NO_COLOR=1
unset SSH_AUTH_SOCK
export RAYCTL_SSH_CONFIG=none  # this machine's ~/.ssh/config must not change the tests (proxy.sh sets its own)

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }
on_host() { local h="$1"; shift; "$RIG" exec "$h" "$@"; }
ray_procs() { "$RIG" ray-procs "$1"; }

# write_cluster FILE NAME KEY [extra setup command]
write_cluster() {
  local file="$1" name="$2" key="$3" setup="${4:-true}"
  mkdir -p "$WORK/mount"
  echo "mounted-$name" >"$WORK/mount/hello.txt"
  cat >"$file" <<YAML
cluster_name: $name
provider:
  type: local
  head_ip: $RIG_HOST1
  worker_ips: [$RIG_HOST2, $RIG_HOST3]
  known_hosts_file: $RIG_KNOWN_HOSTS
  connect_timeout_s: 5
auth:
  ssh_user: root
  ssh_private_key: $key
file_mounts:
  /tmp/rayctl-mount: $WORK/mount
setup_commands:
  - echo "setup \$(hostname)" >> /tmp/rayctl-setup.log
  - $setup
head_start_ray_commands:
  - $RIG_RAY_VENV/bin/ray stop
  - echo start >> /tmp/rayctl-start.log; ulimit -c 0 && $RIG_RAY_VENV/bin/ray start --head --port=6379 --num-cpus=1 --disable-usage-stats --include-dashboard=true --autoscaling-config=~/ray_bootstrap_config.yaml
worker_start_ray_commands:
  - $RIG_RAY_VENV/bin/ray stop
  - echo start >> /tmp/rayctl-start.log; $RIG_RAY_VENV/bin/ray start --address=\$RAY_HEAD_IP:6379 --num-cpus=1 --disable-usage-stats
YAML
}

# No secret may appear: private key bodies and the test passphrase.
assert_no_secrets() {
  local f="$1" k
  for k in "$RIG_KEY" "$RIG_RSA_KEY" "$RIG_WRONG_KEY" "$RIG_PASS_KEY"; do
    if grep -qF "$(sed -n 2p "$k")" "$f"; then fail "private key material of $k in $f"; fi
  done
  if grep -qF "rig-secret-passphrase" "$f"; then fail "passphrase in $f"; fi
}
