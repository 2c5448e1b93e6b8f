#!/usr/bin/env bash
# The Kubernetes test rig: a real control plane on 127.0.0.1 — etcd, kube-apiserver,
# kube-scheduler, kube-controller-manager — plus kwok (fake nodes and pods, no containers) and
# the KubeRay operator, all built by scripts/k8s/build.sh. Certificates are generated with
# openssl; the admin kubeconfig is written to $STATE/admin.kubeconfig.
#
#   scripts/k8s/rig.sh up      # build if needed, start everything, install CRDs, create nodes
#   scripts/k8s/rig.sh down    # stop what `up` started (by the pids it recorded)
#   scripts/k8s/rig.sh env     # print KUBECONFIG=... for eval
#   scripts/k8s/rig.sh stop-operator    # stop the KubeRay operator (a test's fault)
#   scripts/k8s/rig.sh start-operator   # start it again; returns once it leads
#
# The operator runs as a local process with leader election on, as a Helm install does (its
# Lease ray-operator-leader lives in namespace kuberay-system): `rayctl doctor` tells a running
# operator from a stopped one by that Lease. A restarted operator waits for the old Lease to
# expire (15 s) before it reconciles; start-operator returns once it holds the Lease.
#
# Network: every listener is on 127.0.0.1. kwok gives pods addresses from 10.244.0.0/24 that
# nothing dials: the operator's dashboard and Serve health clients, and the API server's service
# proxy (services/NAME:PORT/proxy, what rayctl's dashboard access uses), go through HTTP_PROXY to
# a loopback port where nothing listens (or RAYCTL_K8S_RAY_PROXY, a test's own proxy); Go never
# proxies loopback, so API and etcd traffic is direct. Never use pods/proxy, logs or exec against
# these pods: the API server would dial the pod or node IP (HTTPS to kubelets is not proxied).
#
# Env: RAYCTL_K8S_STATE (default /tmp/rayctl-k8s-$UID), RAYCTL_K8S_PORT_BASE (default 16400:
# apiserver +43, etcd +79/+80, scheduler +59, controller-manager +57, operator probe +82,
# ray proxy +65).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${RAYCTL_K8S_STATE:-/tmp/rayctl-k8s-$(id -u)}"
BASE="${RAYCTL_K8S_PORT_BASE:-16400}"
API_PORT=$((BASE + 43)); ETCD_PORT=$((BASE + 79)); ETCD_PEER=$((BASE + 80))
SCHED_PORT=$((BASE + 59)); KCM_PORT=$((BASE + 57)); OP_PROBE=$((BASE + 82))
RAY_PROXY="${RAYCTL_K8S_RAY_PROXY:-http://127.0.0.1:$((BASE + 65))}"
KCFG="$STATE/admin.kubeconfig"
OP_NS=kuberay-system

log() { echo "rig: $*" >&2; }
t0=$(date +%s.%N)
elapsed() { printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)"; }

start_bg() {  # start_bg <name> <cmd...>: runs in its own process group, logs to $STATE/logs
  local name="$1"; shift
  setsid "$@" >"$STATE/logs/$name.log" 2>&1 < /dev/null &
  echo $! >"$STATE/pids/$name"
}

curl_api() { curl -sS --cacert "$STATE/pki/ca.crt" --cert "$STATE/pki/admin.crt" --key "$STATE/pki/admin.key" "$@"; }

wait_for() {  # wait_for <what> <seconds> <cmd...>
  local what="$1" secs="$2"; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    if (( $(date +%s) > deadline )); then
      log "timed out waiting for $what; last log lines:"; tail -n 20 "$STATE/logs/"*.log >&2 || true; return 1
    fi
    sleep 0.2
  done
}

make_pki() {
  local p="$STATE/pki"; mkdir -p "$p"; chmod 700 "$p"
  [[ -f "$p/.done" ]] && return 0
  ( cd "$p"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key
    openssl req -x509 -new -key ca.key -subj /CN=rayctl-test-ca -days 3650 -out ca.crt
    cert() {  # cert <name> <subject> <ext>
      openssl ecparam -name prime256v1 -genkey -noout -out "$1.key"
      openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
      printf '%b' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile "$1.ext" -out "$1.crt"
    }
    cert apiserver /CN=kube-apiserver \
      "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth"
    cert admin "/O=system:masters/CN=rayctl-admin" "extendedKeyUsage=clientAuth"
    openssl genrsa -out sa.key 2048
    openssl rsa -in sa.key -pubout -out sa.pub
    chmod 600 ./*.key
    touch .done ) 2>/dev/null
}

write_kubeconfig() {
  umask 077
  cat >"$KCFG" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: rig
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 "$STATE/pki/ca.crt")
users:
- name: rayctl-admin
  user:
    client-certificate-data: $(base64 -w0 "$STATE/pki/admin.crt")
    client-key-data: $(base64 -w0 "$STATE/pki/admin.key")
contexts:
- name: rig
  context: {cluster: rig, user: rayctl-admin, namespace: default}
current-context: rig
EOF
}

apply_file() {  # server-side apply of a YAML file (one object) with curl
  local path="$1" file="$2"
  curl_api -f -o /dev/null -X PATCH -H 'Content-Type: application/apply-patch+yaml' \
    --data-binary @"$file" "https://127.0.0.1:$API_PORT$path?fieldManager=rayctl-rig&force=true"
}

create_nodes() {
  local n
  # Two CPU nodes and one node with 2 GPUs: a RayCluster asking for more stays Pending.
  for n in cpu-0:32:128Gi:0 cpu-1:32:128Gi:0 gpu-0:16:128Gi:2; do
    IFS=: read -r name cpu mem gpu <<<"$n"
    local gpu_cap=""; [[ "$gpu" != 0 ]] && gpu_cap=", \"nvidia.com/gpu\": \"$gpu\""
    local f="$STATE/node-$name.json"
    cat >"$f" <<EOF
{"apiVersion": "v1", "kind": "Node",
 "metadata": {"name": "kwok-$name", "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
   "labels": {"type": "kwok", "kubernetes.io/hostname": "kwok-$name", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}},
 "status": {"allocatable": {"cpu": "$cpu", "memory": "$mem", "pods": "110"$gpu_cap},
   "capacity": {"cpu": "$cpu", "memory": "$mem", "pods": "110"$gpu_cap},
   "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux", "kubeletVersion": "fake", "kubeProxyVersion": "fake"}}}
EOF
    apply_file "/api/v1/nodes/kwok-$name" "$f"
    # Capacity lives in status: apply it through the status subresource too.
    apply_file "/api/v1/nodes/kwok-$name/status" "$f"
  done
}

nodes_ready() {
  curl_api -f "https://127.0.0.1:$API_PORT/api/v1/nodes" | python3 -c '
import json, sys
nodes = json.load(sys.stdin)["items"]
ok = [n for n in nodes if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"].get("conditions", []))]
sys.exit(0 if len(nodes) >= 3 and len(ok) == len(nodes) else 1)'
}

cmd_up() {
  local bin; bin="$("$here/build.sh")"
  local share; share="$(dirname "$bin")/share"
  if [[ -f "$STATE/pids/kube-apiserver" ]] && kill -0 "$(cat "$STATE/pids/kube-apiserver")" 2>/dev/null; then
    log "already running (state $STATE)"; echo "KUBECONFIG=$KCFG"; return 0
  fi
  mkdir -p "$STATE/logs" "$STATE/pids" "$STATE/etcd"
  make_pki
  write_kubeconfig
  local p="$STATE/pki"
  start_bg etcd "$bin/etcd" --data-dir "$STATE/etcd" --name rig \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER" \
    --initial-cluster "rig=http://127.0.0.1:$ETCD_PEER" --unsafe-no-fsync --listen-metrics-urls ""
  # HTTP_PROXY: the service proxy's transport honours it (k8s.io/apimachinery/pkg/util/net
  # SetTransportDefaults → ProxyFromEnvironment), so proxied requests to kwok pods reach the
  # test's loopback proxy instead of a 10.244.0.x address.
  start_bg kube-apiserver env -u NO_PROXY -u no_proxy HTTP_PROXY="$RAY_PROXY" http_proxy="$RAY_PROXY" \
    "$bin/kube-apiserver" --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$API_PORT" --cert-dir "$p" \
    --tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" --client-ca-file "$p/ca.crt" \
    --service-account-issuer "https://127.0.0.1:$API_PORT" --service-account-key-file "$p/sa.pub" \
    --service-account-signing-key-file "$p/sa.key" --service-cluster-ip-range 10.96.0.0/24 \
    --authorization-mode RBAC --allow-privileged=true --disable-admission-plugins ServiceAccount \
    --endpoint-reconciler-type none
  wait_for "kube-apiserver /readyz" 120 curl_api -f "https://127.0.0.1:$API_PORT/readyz"
  log "apiserver ready after $(elapsed) s"
  start_bg kube-scheduler "$bin/kube-scheduler" --kubeconfig "$KCFG" --authentication-kubeconfig "$KCFG" \
    --authorization-kubeconfig "$KCFG" --leader-elect=false --bind-address 127.0.0.1 --secure-port "$SCHED_PORT"
  start_bg kube-controller-manager "$bin/kube-controller-manager" --kubeconfig "$KCFG" \
    --authentication-kubeconfig "$KCFG" --authorization-kubeconfig "$KCFG" --leader-elect=false \
    --bind-address 127.0.0.1 --secure-port "$KCM_PORT" --service-account-private-key-file "$p/sa.key" \
    --root-ca-file "$p/ca.crt" --use-service-account-credentials=false
  # CRDs from the operator module itself, by server-side apply (too large for client-side apply).
  local crd
  for crd in "$share"/crd/ray.io_*.yaml; do
    apply_file "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/$(basename "$crd" .yaml | sed 's/^ray.io_//').ray.io" "$crd"
  done
  local stages="$STATE/kwok-stages.yaml"
  { for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
             pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
      cat "$share/kwok/stage/$f"; echo "---"; done; } >"$stages"
  start_bg kwok "$bin/kwok" --kubeconfig "$KCFG" --config "$stages" --manage-all-nodes=false \
    --manage-nodes-with-annotation-selector kwok.x-k8s.io/node=fake --manage-nodes-with-label-selector "" \
    --cidr 10.244.0.0/24 --node-ip 10.244.0.1 --node-lease-duration-seconds 40 --server-address ""
  create_nodes
  echo "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"$OP_NS\"}}" >"$STATE/ns-$OP_NS.json"
  apply_file "/api/v1/namespaces/$OP_NS" "$STATE/ns-$OP_NS.json"
  wait_for "CRDs established" 60 bash -c "curl -sS --cacert '$p/ca.crt' --cert '$p/admin.crt' --key '$p/admin.key' -f 'https://127.0.0.1:$API_PORT/apis/ray.io/v1' | grep -q rayservices"
  start_operator "$bin"
  wait_for "fake nodes Ready" 60 nodes_ready
  log "rig up in $(elapsed) s (state $STATE)"
  echo "KUBECONFIG=$KCFG"
}

lease_holder() {  # the operator's current leader identity ("" when none)
  curl_api -f "https://127.0.0.1:$API_PORT/apis/coordination.k8s.io/v1/namespaces/$OP_NS/leases/ray-operator-leader" \
    2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["spec"].get("holderIdentity", ""))' 2>/dev/null
}

leader_is_new() { local now; now="$(lease_holder)"; [[ -n "$now" && "$now" != "$1" ]]; }

start_operator() {  # start_operator <bin dir>: starts it and waits until it holds the Lease
  local bin="$1" before; before="$(lease_holder || true)"
  # HTTP_PROXY catches its dashboard / Serve-health requests (to pod and service names) on
  # loopback; NO_PROXY stays empty so nothing escapes to a real address.
  env -u NO_PROXY -u no_proxy HTTP_PROXY="$RAY_PROXY" http_proxy="$RAY_PROXY" KUBECONFIG="$KCFG" \
    setsid "$bin/ray-operator" --enable-leader-election=true --leader-election-namespace "$OP_NS" --metrics-addr 0 \
    --health-probe-bind-address "127.0.0.1:$OP_PROBE" --log-stdout-encoder console \
    >>"$STATE/logs/ray-operator.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/ray-operator"
  wait_for "ray-operator healthz" 60 curl -sf "http://127.0.0.1:$OP_PROBE/healthz"
  wait_for "ray-operator to lead (Lease $OP_NS/ray-operator-leader)" 60 leader_is_new "$before"
}

stop_pid_file() {  # stop_pid_file <name>: SIGTERM, then SIGKILL after 5 s
  local name="$1" pid
  [[ -f "$STATE/pids/$name" ]] || return 0
  pid="$(cat "$STATE/pids/$name")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$STATE/pids/$name"
}

cmd_down() {
  local name
  for name in ray-operator kwok kube-controller-manager kube-scheduler kube-apiserver etcd; do
    stop_pid_file "$name"
  done
  rm -rf "$STATE/etcd"
  log "rig down"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  env) echo "KUBECONFIG=$KCFG" ;;
  stop-operator) stop_pid_file ray-operator; log "operator stopped" ;;
  start-operator)
    if [[ -f "$STATE/pids/ray-operator" ]] && kill -0 "$(cat "$STATE/pids/ray-operator")" 2>/dev/null; then
      log "operator already running"
    else
      start_operator "$("$here/build.sh")"; log "operator leads again after $(elapsed) s"
    fi ;;
  *) echo "usage: $0 up|down|env|stop-operator|start-operator" >&2; exit 2 ;;
esac
