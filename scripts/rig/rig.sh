#!/usr/bin/env bash
# The multi-host SSH test rig: N "hosts" on this machine, each a network namespace joined to a
# bridge, with its own IP, hostname, /tmp and PID namespace, running a real OpenSSH sshd with a
# generated host key and an authorized test key. Ray (pinned, scripts/install-ray.sh) is shared
# by all hosts through one venv. Needs root. All rig files live OUTSIDE /tmp (the hosts replace
# /tmp with their own directory).
#
#   rig.sh up [N]            create N hosts (default 3): rctl-h1 .. rctl-hN at 192.168.231.11..
#   rig.sh down              end every rig process (by root-namespace pid), delete namespaces + bridge
#   rig.sh status            list hosts, their IPs and whether sshd runs
#   rig.sh env               print shell variables for tests (RIG_DIR, RIG_KEY, RIG_KNOWN_HOSTS, ...)
#   rig.sh stop-host H       end every process of host H (the "host went away" fault)
#   rig.sh start-host H      (re)start sshd on host H with its existing host key
#   rig.sh rekey-host H      give host H a new host key and restart it (the "changed host key" fault)
#   rig.sh exec H CMD...     run a command inside host H's namespaces (sees only H's processes)
#   rig.sh ray-procs H       count Ray processes visible on host H
#   rig.sh with-hosts CMD... run CMD (same pid) seeing the rig's names rctl-hN in /etc/hosts
#
# Host names: every host sees $RIG_DIR/etc_hosts (localhost + rctl-h1..N) as its /etc/hosts and
# $RIG_DIR/resolv.conf (no reachable nameserver: DNS fails at once) as its /etc/resolv.conf
# (bind mounts inside the host's own mount namespace); `with-hosts` gives one command the same
# /etc/hosts in a private mount namespace. The machine's own files are never modified.
#
# Traffic stays on the bridge rctlbr0 (192.168.231.0/24) and inside the namespaces.
set -euo pipefail

RIG_DIR="${RAYCTL_RIG_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rayctl/rig}"
BRIDGE="${RAYCTL_RIG_BRIDGE:-rctlbr0}"
SUBNET="${RAYCTL_RIG_SUBNET:-192.168.231}"
GATEWAY="$SUBNET.1"
PREFIX="rctl-h"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"

die() { echo "rig: $*" >&2; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "must run as root (network namespaces)"; }
host_ip() { local i="${1#"$PREFIX"}"; echo "$SUBNET.$((10 + i))"; }
hosts() { ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX[0-9]*$" | sort -V || true; }

ensure_packages() {
  local missing=()
  command -v sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v ssh-keygen >/dev/null 2>&1 || missing+=(openssh-client)
  command -v ip >/dev/null 2>&1 || missing+=(iproute2)
  command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
  command -v rsync >/dev/null 2>&1 || missing+=(rsync)  # `ray up` (the benchmark baseline) needs it
  if [ ${#missing[@]} -gt 0 ]; then
    echo "rig: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 || {
      apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2; }
  fi
  # sshd refuses to start without its privilege-separation directory.
  mkdir -p /run/sshd && chmod 0755 /run/sshd
}

make_keys() {
  mkdir -p "$RIG_DIR/keys" && chmod 700 "$RIG_DIR" "$RIG_DIR/keys"
  [ -f "$RIG_DIR/keys/id_test" ] || ssh-keygen -q -t ed25519 -N '' -C rayctl-rig-test -f "$RIG_DIR/keys/id_test"
  [ -f "$RIG_DIR/keys/id_rsa_test" ] || ssh-keygen -q -t rsa -b 3072 -N '' -C rayctl-rig-rsa -f "$RIG_DIR/keys/id_rsa_test"
  # A key with a passphrase (tests check the passphrase never shows up anywhere).
  [ -f "$RIG_DIR/keys/id_pass_test" ] || ssh-keygen -q -t ed25519 -N 'rig-secret-passphrase' -C rayctl-rig-pass -f "$RIG_DIR/keys/id_pass_test"
  # A key no host accepts (the "wrong key" fault).
  [ -f "$RIG_DIR/keys/id_wrong" ] || ssh-keygen -q -t ed25519 -N '' -C rayctl-rig-wrong -f "$RIG_DIR/keys/id_wrong"
  cat "$RIG_DIR/keys/id_test.pub" "$RIG_DIR/keys/id_rsa_test.pub" "$RIG_DIR/keys/id_pass_test.pub" >"$RIG_DIR/keys/authorized_keys"
  chmod 600 "$RIG_DIR"/keys/*
}

write_sshd_config() {
  local h="$1" ip="$2" d="$RIG_DIR/hosts/$1"
  cat >"$d/sshd_config" <<EOF
ListenAddress $ip
Port 22
HostKey $d/host_ed25519
PidFile none
AuthorizedKeysFile $RIG_DIR/keys/authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
MaxSessions 64
MaxStartups 64:30:128
ClientAliveInterval 0
LogLevel VERBOSE
Subsystem sftp internal-sftp
EOF
}

# The hosts' resolver: nothing to ask, so a name that is not in etc_hosts fails at once. With the
# machine's own resolv.conf a miss (glibc asks DNS for IPv6 first, even for names in /etc/hosts)
# went out of the rig to the machine's nameserver, and where that is unreachable from the
# bridge it waited 2 x 5 s: Ray's dashboard, resolving its host name at start, served HTTP only
# ~10 s after `ray start --head` returned on the rig against ~0 s on the machine itself.
write_resolv_conf() {
  printf '%s\n' "# rig hosts resolve only through /etc/hosts (scripts/rig/rig.sh)" \
    "nameserver 127.0.0.1" "options timeout:1 attempts:1" >"$RIG_DIR/resolv.conf"
  chmod 644 "$RIG_DIR/resolv.conf"
}

known_hosts_line() { local h="$1" ip; ip="$(host_ip "$h")"; echo "$ip,$h $(cut -d' ' -f1,2 "$RIG_DIR/hosts/$h/host_ed25519.pub")"; }

# Rewritten in place (same inode), so hosts already running see new names through their mount.
write_etc_hosts() {  # write_etc_hosts N
  local i
  [ -f "$RIG_DIR/etc_hosts" ] || touch "$RIG_DIR/etc_hosts"
  { echo "127.0.0.1 localhost"; echo "::1 localhost ip6-localhost ip6-loopback"
    for i in $(seq 1 "$1"); do echo "$(host_ip "$PREFIX$i") $PREFIX$i"; done; } >"$RIG_DIR/etc_hosts"
  chmod 644 "$RIG_DIR/etc_hosts"
}

write_known_hosts() {
  : >"$RIG_DIR/known_hosts"
  for h in $(hosts); do known_hosts_line "$h" >>"$RIG_DIR/known_hosts"; done
  chmod 600 "$RIG_DIR/known_hosts"
}

# Closes every descriptor above 2 in this shell (see start_host).
close_inherited_fds() {
  local fd n
  for fd in /proc/$BASHPID/fd/*; do
    n="${fd##*/}"
    if [ "$n" -gt 2 ] 2>/dev/null; then eval "exec $n>&-" 2>/dev/null || true; fi
  done
}

start_host() {
  local h="$1" d="$RIG_DIR/hosts/$1"
  [ -d "$d" ] || die "no such host: $h"
  if [ -n "$(ip netns pids "$h" 2>/dev/null)" ]; then return 0; fi
  mkdir -p "$d/tmp" && chmod 1777 "$d/tmp"
  [ -f "$RIG_DIR/resolv.conf" ] || write_resolv_conf
  # sshd -D is the PID namespace's first process; stdio goes to its log file. Descriptors the
  # caller holds (a flock on a test lock, say) are closed first: a daemon must not keep them.
  ( close_inherited_fds
    exec setsid ip netns exec "$h" unshare --mount --uts --pid --fork --mount-proc --propagation private \
    sh -c "hostname $h && mount --bind '$d/tmp' /tmp && mount --bind '$RIG_DIR/etc_hosts' /etc/hosts &&
           { mount --bind '$RIG_DIR/resolv.conf' /etc/resolv.conf ||
             echo 'rig: could not bind $RIG_DIR/resolv.conf over /etc/resolv.conf: name lookups that miss /etc/hosts may be slow'; } &&
           exec /usr/sbin/sshd -D -e -f '$d/sshd_config'"
  ) </dev/null >>"$d/sshd.log" 2>&1 &
  local ip; ip="$(host_ip "$h")"
  for _ in $(seq 1 50); do
    if bash -c "exec 3<>/dev/tcp/$ip/22" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  die "sshd on $h did not start; see $d/sshd.log"
}

stop_host() {
  local h="$1" pids
  pids="$(ip netns pids "$h" 2>/dev/null || true)"
  [ -z "$pids" ] && return 0
  # Root-namespace pids only; never by name (other tests' processes share this machine).
  kill -KILL $pids 2>/dev/null || true
  for _ in $(seq 1 50); do [ -z "$(ip netns pids "$h" 2>/dev/null)" ] && return 0; sleep 0.1; done
}

create_host() {
  local h="$1" ip d="$RIG_DIR/hosts/$1"
  ip="$(host_ip "$h")"
  mkdir -p "$d"
  [ -f "$d/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$d/host_ed25519"
  write_sshd_config "$h" "$ip"
  ip netns add "$h"
  ip link add "v$h" type veth peer name eth0 netns "$h"
  ip link set "v$h" master "$BRIDGE" up
  ip -n "$h" addr add "$ip/24" dev eth0
  ip -n "$h" link set lo up
  ip -n "$h" link set eth0 up
  ip -n "$h" route add default via "$GATEWAY"
  start_host "$h"
}

cmd_up() {
  need_root
  local n="${1:-3}"
  ensure_packages
  make_keys
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$GATEWAY/24" dev "$BRIDGE"
    ip link set "$BRIDGE" up
  fi
  local have; have="$(hosts | wc -l)"
  write_etc_hosts $((n > have ? n : have))
  write_resolv_conf
  for i in $(seq 1 "$n"); do
    local h="$PREFIX$i"
    if ip netns list | awk '{print $1}' | grep -qx "$h"; then start_host "$h"; else create_host "$h"; fi
  done
  write_known_hosts
  RAY_VENV="$("$REPO/scripts/install-ray.sh")"
  echo "$RAY_VENV" >"$RIG_DIR/ray_venv"
  cmd_status
}

cmd_down() {
  need_root
  for h in $(hosts); do
    stop_host "$h"
    ip netns del "$h" 2>/dev/null || true
    ip link del "v$h" 2>/dev/null || true
  done
  ip link del "$BRIDGE" 2>/dev/null || true
  rm -rf "$RIG_DIR/hosts"/*/tmp 2>/dev/null || true
}

cmd_status() {
  for h in $(hosts); do
    local state=down
    [ -n "$(ip netns pids "$h" 2>/dev/null)" ] && state=up
    printf '%-10s %-16s sshd %s\n' "$h" "$(host_ip "$h")" "$state"
  done
}

cmd_env() {
  echo "RIG_DIR=$RIG_DIR"
  echo "RIG_KEY=$RIG_DIR/keys/id_test"
  echo "RIG_RSA_KEY=$RIG_DIR/keys/id_rsa_test"
  echo "RIG_PASS_KEY=$RIG_DIR/keys/id_pass_test"
  echo "RIG_WRONG_KEY=$RIG_DIR/keys/id_wrong"
  echo "RIG_KNOWN_HOSTS=$RIG_DIR/known_hosts"
  echo "RIG_RAY_VENV=$(cat "$RIG_DIR/ray_venv" 2>/dev/null || true)"
  local i=1
  for h in $(hosts); do echo "RIG_HOST$i=$(host_ip "$h")"; i=$((i + 1)); done
}

# Root-namespace pid of the host's first process (sshd, pid 1 inside the host).
init_pid() {
  local p
  for p in $(ip netns pids "$1" 2>/dev/null); do
    if grep -Eq '^NSpid:[[:space:]]+[0-9]+[[:space:]]+1$' "/proc/$p/status" 2>/dev/null; then echo "$p"; return; fi
  done
}

cmd_rekey() {
  local h="$1" d="$RIG_DIR/hosts/$1"
  stop_host "$h"
  rm -f "$d/host_ed25519" "$d/host_ed25519.pub"
  ssh-keygen -q -t ed25519 -N '' -C "$h-rekeyed" -f "$d/host_ed25519"
  start_host "$h"
}

cmd_ray_procs() {
  # Counts processes of host H whose command line looks like Ray's (root-namespace view).
  local h="$1" n=0 p
  for p in $(ip netns pids "$h" 2>/dev/null); do
    if tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -Eq 'raylet|gcs_server|ray/dashboard|ray::|default_worker|log_monitor|runtime_env'; then n=$((n + 1)); fi
  done
  echo "$n"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) cmd_env ;;
  stop-host) need_root; stop_host "$2" ;;
  start-host) need_root; start_host "$2" ;;
  rekey-host) need_root; cmd_rekey "$2" ;;
  exec) need_root; h="$2"; shift 2
        pid="$(init_pid "$h")"; [ -n "$pid" ] || die "host $h is not running"
        exec nsenter -t "$pid" -n -m -u -p -i -- "$@" ;;
  ray-procs) cmd_ray_procs "$2" ;;
  with-hosts) need_root; shift
        file="${RIG_ETC_HOSTS:-$RIG_DIR/etc_hosts}"  # RIG_ETC_HOSTS: another hosts file (tests)
        [ -f "$file" ] || die "no $file (run: rig.sh up)"
        exec unshare --mount --propagation private -- \
          sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$file" "$@" ;;
  *) sed -n '2,26p' "$0"; exit 2 ;;
esac
