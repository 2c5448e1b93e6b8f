#!/usr/bin/env bash
# Ways into the nodes over SSH on the rig, without Ray: nodes given by host name (resolved
# through the rig's hosts file), a bastion that cannot reach a node, ssh-agent with no key file
# configured, RSA key files (PEM, OpenSSH, and OpenSSH passphrase-protected), an encrypted key
# answered at a terminal prompt (asked once for all nodes, never echoed, never logged; wrong
# answers bounded), and `rayctl attach` on a pseudo-terminal (raw
# mode, window size and its changes, Ctrl-C goes to the remote side, exit status, terminal
# restored). The bastion's full path (up/exec/status/logs/down) is in e2e.sh.
# Usage: access.sh /path/to/rayctl
source "$(dirname "$0")/lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"
CFG="$WORK/cluster.yaml"
write_cluster "$CFG" rig-access "$RIG_KEY"
expect_exit() {  # expect_exit CODE LOGFILE -- command...
  local want="$1" log="$2"; shift 3
  set +e; "$@" >"$log" 2>&1; local got=$?; set -e
  [ "$got" = "$want" ] || { cat "$log"; fail "$* exited $got, expected $want"; }
}
hostnames_ok() {  # hostnames_ok FILE: every node answered `hostname` with its own name
  local h
  for h in rctl-h1 rctl-h2 rctl-h3; do grep -q "] $h\$" "$1" || fail "no '$h' in $1: $(cat "$1")"; done
}

# 1. Nodes by host name, resolved on this client through the rig's hosts file.
sed "s/head_ip: .*/head_ip: rctl-h1/; s/worker_ips: .*/worker_ips: [rctl-h2, rctl-h3]/" "$CFG" >"$WORK/names.yaml"
"$RIG" with-hosts "$RAYCTL" exec "$WORK/names.yaml" --all -- hostname >"$WORK/names.out" 2>&1 ||
  fail "exec by host name: $(cat "$WORK/names.out")"
hostnames_ok "$WORK/names.out"
ok "nodes given by host name: exec --all reaches each one"

# 2. A bastion that cannot reach a node: the node is named, with the bastion and the address;
#    the other nodes (through the same bastion) still run.
sed "s/worker_ips: .*/worker_ips: [$RIG_HOST2, 192.168.231.99]/; s/^  connect_timeout_s: 5\$/&\n  bastion: root@$RIG_HOST1:22/" \
  "$CFG" >"$WORK/bastion.yaml"
expect_exit 1 "$WORK/bastion.out" -- "$RAYCTL" exec "$WORK/bastion.yaml" --all -- hostname
grep -q "node worker-2: cannot connect to root@192.168.231.99:22: the bastion root@$RIG_HOST1:22 could not open a connection to 192.168.231.99:22" \
  "$WORK/bastion.out" || fail "bastion message: $(cat "$WORK/bastion.out")"
grep -q "\] rctl-h2$" "$WORK/bastion.out" || fail "worker-1 did not run through the bastion: $(cat "$WORK/bastion.out")"
ok "bastion cannot reach a node: named with the bastion; the others ran"

# 3. ssh-agent, with no key file in the cluster file and no ~/.ssh keys.
sed '/ssh_private_key:/d' "$CFG" >"$WORK/agent.yaml"
mkdir -p "$WORK/home"
eval "$(ssh-agent -s)" >/dev/null
trap 'kill "$SSH_AGENT_PID" 2>/dev/null || true' EXIT
expect_exit 7 "$WORK/noagent.out" -- env -u SSH_AUTH_SOCK HOME="$WORK/home" "$RAYCTL" exec "$WORK/agent.yaml" -- true
grep -q "node head: root@$RIG_HOST1:22 rejected every key tried (ssh-agent and ~/.ssh/id_\*)" "$WORK/noagent.out" ||
  fail "no-key message: $(cat "$WORK/noagent.out")"
ssh-add -q "$RIG_KEY" 2>/dev/null
HOME="$WORK/home" "$RAYCTL" exec "$WORK/agent.yaml" --all -- hostname >"$WORK/agent.out" 2>&1 ||
  fail "exec with ssh-agent: $(cat "$WORK/agent.out")"
hostnames_ok "$WORK/agent.out"
ssh-add -q -D 2>/dev/null
ssh-add -q "$RIG_RSA_KEY" 2>/dev/null
HOME="$WORK/home" "$RAYCTL" exec "$WORK/agent.yaml" --all -- hostname >"$WORK/agent-rsa.out" 2>&1 ||
  fail "exec with an RSA key in ssh-agent: $(cat "$WORK/agent-rsa.out")"
hostnames_ok "$WORK/agent-rsa.out"
kill "$SSH_AGENT_PID"; trap - EXIT
ok "ssh-agent (ed25519 and RSA identities), no key file; without an agent: exit 7 naming the node"

# RSA key files, OpenSSH and PEM format. OpenSSH >= 8.8 refuses SHA-1 (ssh-rsa) signatures, the
# only ones libssh2 < 1.11 makes; rayctl then signs rsa-sha2-256 itself (cluster/ssh/ssh_rsa_sha2.h).
cp "$RIG_RSA_KEY" "$WORK/rsa_pem" && ssh-keygen -q -p -m PEM -P '' -N '' -f "$WORK/rsa_pem" >/dev/null
grep -q "BEGIN RSA PRIVATE KEY" "$WORK/rsa_pem" || fail "could not make a PEM copy of the RSA key"
for key in "$RIG_RSA_KEY" "$WORK/rsa_pem"; do
  sed "s#ssh_private_key: .*#ssh_private_key: $key#" "$CFG" >"$WORK/rsa.yaml"
  "$RAYCTL" exec "$WORK/rsa.yaml" --all -- hostname >"$WORK/rsa.out" 2>&1 || fail "exec with RSA key $key: $(cat "$WORK/rsa.out")"
  hostnames_ok "$WORK/rsa.out"
done
ok "RSA key files (OpenSSH and PEM format) against OpenSSH $(ssh -V 2>&1 | cut -d, -f1)"

# A passphrase-protected RSA key in OpenSSH's own format (bcrypt KDF, aes256-ctr: what
# `ssh-keygen -t rsa -N pass` writes). libssh2 1.10 signs it with SHA-1 only, which this sshd
# refuses; rayctl decrypts it itself (cluster/ssh/bcrypt_pbkdf.h) and signs rsa-sha2-256. The
# passphrase is typed at the prompt once for all nodes and appears nowhere.
cp "$RIG_RSA_KEY" "$WORK/rsa_pass" && ssh-keygen -q -p -P '' -N 'rig-secret-passphrase' -f "$WORK/rsa_pass" >/dev/null
grep -q "BEGIN OPENSSH PRIVATE KEY" "$WORK/rsa_pass" || fail "could not make an encrypted OpenSSH-format RSA key"
sed "s#ssh_private_key: .*#ssh_private_key: $WORK/rsa_pass#" "$CFG" >"$WORK/rsa-pass.yaml"
python3 - "$HERE" "$RAYCTL" "$WORK" <<'PY' || fail "encrypted OpenSSH-format RSA key"
import sys
sys.path.insert(0, sys.argv[1])
from ptyrun import PtyRun
rayctl, work = sys.argv[2], sys.argv[3]
p = PtyRun([rayctl, "exec", work + "/rsa-pass.yaml", "--all", "--", "hostname"])
p.expect(r"Enter passphrase for key \S*rsa_pass: ")
p.send("rig-secret-passphrase\n")
rc = p.wait(90)
open(work + "/rsa-pass-tty.out", "w").write(p.text())
assert rc == 0, "exit %d:\n%s" % (rc, p.text())
assert p.text().count("Enter passphrase") == 1, "asked more than once:\n" + p.text()
for h in ("rctl-h1", "rctl-h2", "rctl-h3"):
    assert "] " + h in p.text(), p.text()
PY
grep -qF "$(sed -n 2p "$WORK/rsa_pass")" "$WORK/rsa-pass-tty.out" && fail "key material of rsa_pass in the output"
ok "passphrase-protected RSA key in OpenSSH format (bcrypt/aes256-ctr): rsa-sha2-256 on all 3 nodes, one prompt"

# 4. An encrypted key: one prompt on the terminal for all three nodes, no echo; wrong answers
#    stop after three prompts (exit 7); without a terminal, a clear error (exit 7).
sed "s#ssh_private_key: .*#ssh_private_key: $RIG_PASS_KEY#" "$CFG" >"$WORK/pass.yaml"
expect_exit 7 "$WORK/pass-notty.out" -- "$RAYCTL" exec "$WORK/pass.yaml" -- true </dev/null
grep -q "node head: the key $RIG_PASS_KEY is encrypted and there is no terminal to ask for its passphrase" \
  "$WORK/pass-notty.out" || fail "no-terminal message: $(cat "$WORK/pass-notty.out")"
python3 - "$HERE" "$RAYCTL" "$WORK" <<'PY' || fail "passphrase prompt on a terminal"
import sys, termios
sys.path.insert(0, sys.argv[1])
from ptyrun import PtyRun
rayctl, work = sys.argv[2], sys.argv[3]
argv = [rayctl, "exec", work + "/pass.yaml", "--all", "--", "hostname"]
p = PtyRun(argv)
p.expect(r"Enter passphrase for key \S*id_pass_test: ")
assert not p.lflag() & termios.ECHO, "echo is on while the passphrase is read"
p.send("rig-secret-passphrase\n")
rc = p.wait(90)
open(work + "/pass-tty.out", "w").write(p.text())
assert rc == 0, "exit %d:\n%s" % (rc, p.text())
assert p.text().count("Enter passphrase") == 1, "asked more than once:\n" + p.text()
for h in ("rctl-h1", "rctl-h2", "rctl-h3"):
    assert "] " + h in p.text(), p.text()
p = PtyRun(argv[:3] + ["--", "true"])  # one node: its error is the exit status
for _ in range(3):
    p.expect(r"Enter passphrase for key \S*id_pass_test: ")
    p.send("not-the-passphrase\n")
rc = p.wait(90)
open(work + "/pass-wrong.out", "w").write(p.text())
assert rc == 7, "wrong passphrase: exit %d:\n%s" % (rc, p.text())
assert p.text().count("Enter passphrase") == 3, "not three prompts:\n" + p.text()
assert "wrong passphrase (3 tries)" in p.text(), p.text()
assert "not-the-passphrase" not in p.text(), "the typed answer was echoed"
PY
ok "encrypted key: one prompt for 3 nodes, not echoed; 3 wrong answers → exit 7; no terminal → exit 7"

# 5. attach on a pseudo-terminal: raw mode while attached, the window size and a resize reach
#    the remote PTY, Ctrl-C interrupts the remote command (not rayctl), `exit 5` is the exit
#    status, and the local terminal is restored afterwards.
python3 - "$HERE" "$RAYCTL" "$CFG" "$WORK" <<'PY' || fail "attach on a pseudo-terminal"
import sys, termios, time
sys.path.insert(0, sys.argv[1])
from ptyrun import PtyRun
rayctl, cfg, work = sys.argv[2:5]
p = PtyRun([rayctl, "attach", cfg, "--node", "worker-1"], rows=37, cols=111)
deadline = time.monotonic() + 30
while p.lflag() & termios.ICANON:  # raw mode = canonical input and echo off
    assert time.monotonic() < deadline and p.proc.poll() is None, "never went raw:\n" + p.text()
    time.sleep(0.05)
assert not p.lflag() & termios.ECHO
p.send("echo attached-$((6*7)) on $(hostname); stty size\r")
p.expect(r"attached-42 on rctl-h2")
p.expect(r"\b37 111\b")
p.resize(41, 123)
time.sleep(0.5)
p.send("stty size\r")
p.expect(r"\b41 123\b")
p.send("sleep 30; echo slept\r")
time.sleep(1.0)
p.send(b"\x03")
p.send("echo after-$((1+1))\r")
t0 = time.monotonic()
p.expect(r"after-2", timeout=15)
assert time.monotonic() - t0 < 15 and p.proc.poll() is None, "Ctrl-C did not reach the remote side"
p.send("exit 5\r")
rc = p.wait(30)
open(work + "/attach.out", "w").write(p.text())
assert rc == 5, "exit %d:\n%s" % (rc, p.text())
assert "\nslept" not in p.text(), "the remote sleep was not interrupted"
lflag = p.lflag()
assert lflag & termios.ICANON and lflag & termios.ECHO, "terminal not restored after attach"
PY
ok "attach: raw mode, size 37x111 then 41x123 seen remotely, Ctrl-C remote, exit 5, terminal restored"

for f in "$WORK"/*.out; do assert_no_secrets "$f"; done
ok "no secret in any output (passphrase typed at the prompt included)"
