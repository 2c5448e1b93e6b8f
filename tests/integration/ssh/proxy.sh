#!/usr/bin/env bash
# Reaching nodes the ways OpenSSH users do (#16): auth.ssh_proxy_command (a relay run inside
# rctl-h1's network namespace, so the workers' sshd logs show the connection coming from
# rctl-h1's address), ~/.ssh/config (RAYCTL_SSH_CONFIG) with a Host alias as head_ip, and the
# cluster file's own settings winning over the config. No Ray. Usage: proxy.sh /path/to/rayctl
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
CFG="$WORK/cluster.yaml"
write_cluster "$CFG" rig-proxy "$RIG_KEY"
sshd_log_lines() { wc -l <"$RIG_DIR/hosts/$1/sshd.log"; }
hostnames_ok() {
  local h
  for h in rctl-h1 rctl-h2 rctl-h3; do grep -q "] $h\$" "$1" || fail "no '$h' in $1: $(cat "$1")"; done
}

# 1. auth.ssh_proxy_command: every connection goes through the relay in rctl-h1's namespace.
export RELAY_LOG="$WORK/relay.log"
: >"$RELAY_LOG"
sed "s|^  ssh_private_key: .*|&\n  ssh_proxy_command: ip netns exec rctl-h1 python3 $HERE/relay.py %h %p|" "$CFG" >"$WORK/proxy.yaml"
grep -q "ssh_proxy_command" "$WORK/proxy.yaml" || fail "cluster file lacks the proxy command"
"$RAYCTL" validate "$WORK/proxy.yaml" >"$WORK/validate.out" 2>&1 || fail "validate: $(cat "$WORK/validate.out")"
grep -q RL231 "$WORK/validate.out" && fail "ssh_proxy_command still reported as ignored: $(cat "$WORK/validate.out")"
declare -A LOG0
for h in rctl-h2 rctl-h3; do LOG0[$h]=$(sshd_log_lines "$h"); done
"$RAYCTL" exec "$WORK/proxy.yaml" --all -- hostname >"$WORK/proxy.out" 2>&1 || fail "exec through the proxy: $(cat "$WORK/proxy.out")"
hostnames_ok "$WORK/proxy.out"
for h in "$RIG_HOST1" "$RIG_HOST2" "$RIG_HOST3"; do grep -qx "$h 22" "$RELAY_LOG" || fail "relay never ran for $h: $(cat "$RELAY_LOG")"; done
for h in rctl-h2 rctl-h3; do
  tail -n +$((LOG0[$h] + 1)) "$RIG_DIR/hosts/$h/sshd.log" >"$WORK/sshd-$h.log"
  grep -q "Connection from $RIG_HOST1 port" "$WORK/sshd-$h.log" || fail "$h's sshd saw no connection from rctl-h1: $(cat "$WORK/sshd-$h.log")"
  if grep "Connection from " "$WORK/sshd-$h.log" | grep -vq "Connection from $RIG_HOST1 port"; then
    fail "$h was reached other than through the proxy: $(grep 'Connection from' "$WORK/sshd-$h.log")"
  fi
done
pgrep -f "$HERE/relay.py" >/dev/null && fail "a proxy command outlived rayctl"
ok "auth.ssh_proxy_command: exec --all through the relay; sshd logs show rctl-h1 as the source; no relay left"

# A proxy command that fails: the node is named with how the command ended.
sed "s|relay.py %h %p|relay.py %h 1|" "$WORK/proxy.yaml" >"$WORK/badproxy.yaml"
set +e; "$RAYCTL" exec "$WORK/badproxy.yaml" -- true >"$WORK/badproxy.out" 2>&1; rc=$?; set -e
[ "$rc" = 6 ] || fail "failing proxy: exit $rc, expected 6: $(cat "$WORK/badproxy.out")"
grep -q "node head: cannot connect to root@$RIG_HOST1:22: SSH handshake through the proxy command .* the command exited with status 1" \
  "$WORK/badproxy.out" || fail "failing proxy message: $(cat "$WORK/badproxy.out")"
ok "a failing proxy command: exit 6, the node and the command's exit status named"

# 2. ~/.ssh/config: head_ip is a Host alias; HostName, User, Port, IdentityFile and
#    UserKnownHostsFile come from the config (the cluster file sets none of them).
cat >"$WORK/ssh_config" <<CONF
# rig test config
Host rig-head
    HostName $RIG_HOST1
Host rig-*
    User root
    Port 22
    IdentityFile $RIG_KEY
    UserKnownHostsFile $RIG_KNOWN_HOSTS
Host *
    User nobody-from-star
    Port 2222
CONF
cat >"$WORK/alias.yaml" <<YAML
cluster_name: rig-alias
provider:
  type: local
  head_ip: rig-head
  worker_ips: []
head_start_ray_commands: []
YAML
RAYCTL_SSH_CONFIG="$WORK/ssh_config" "$RAYCTL" exec "$WORK/alias.yaml" -- hostname >"$WORK/alias.out" 2>&1 ||
  fail "exec through ~/.ssh/config: $(cat "$WORK/alias.out")"
grep -qx "rctl-h1" "$WORK/alias.out" || fail "alias did not reach rctl-h1: $(cat "$WORK/alias.out")"
ok "~/.ssh/config: a Host alias as head_ip reaches its HostName with the config's user, port and key"

# 3. The cluster file wins: the config's first match for this alias says port 2222 and user
#    nobody; the file says port 22 and user root.
cat >"$WORK/ssh_config2" <<CONF
Host rig-head
    HostName $RIG_HOST1
    User nobody
    Port 2222
    IdentityFile $RIG_KEY
    UserKnownHostsFile $RIG_KNOWN_HOSTS
CONF
cat >"$WORK/given.yaml" <<YAML
cluster_name: rig-given
provider:
  type: local
  head_ip: rig-head
  worker_ips: []
  ssh_port: 22
  connect_timeout_s: 5
auth:
  ssh_user: root
head_start_ray_commands: []
YAML
RAYCTL_SSH_CONFIG="$WORK/ssh_config2" "$RAYCTL" exec "$WORK/given.yaml" -- 'echo "$(whoami)@$(hostname)"' \
  >"$WORK/given.out" 2>&1 || fail "file settings over the config: $(cat "$WORK/given.out")"
grep -qx "root@rctl-h1" "$WORK/given.out" || fail "not root on rctl-h1: $(cat "$WORK/given.out")"
set +e
RAYCTL_SSH_CONFIG="$WORK/ssh_config2" "$RAYCTL" exec "$WORK/alias.yaml" -- true >"$WORK/cfgport.out" 2>&1
rc=$?
set -e
[ "$rc" = 6 ] && grep -q "root@$RIG_HOST1:2222\|nobody@$RIG_HOST1:2222" "$WORK/cfgport.out" ||
  fail "without the file's settings the config's port 2222 should apply: exit $rc, $(cat "$WORK/cfgport.out")"
ok "the cluster file's ssh_user and ssh_port win over the config's; without them the config's apply"
for f in "$WORK"/*.out; do assert_no_secrets "$f"; done
