#!/usr/bin/env bash
# Builds the Kubernetes test control plane from Go modules at pinned versions:
#   kube-apiserver, kube-scheduler, kube-controller-manager (k8s.io/kubernetes v1.36.3 with every
#   staging module replaced by its v0.36.3 release), etcd v3.6.8, kwok v0.8.0 (tools/go.mod) and
#   the KubeRay operator v1.6.1 (kuberay/go.mod; v1.7.0 is not served by the Go module proxy).
# The binaries go to a cache OUTSIDE the repository, keyed by the tool modules' go.mod/go.sum, so
# a second run returns at once. Prints the bin directory on stdout (progress goes to stderr).
#
#   scripts/k8s/build.sh [--with-kubectl]     # kubectl only for the benchmark
#
# Env: RAYCTL_K8S_CACHE (default ~/.cache/rayctl/k8s), RAYCTL_K8S_NICE (default 10).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
K8S=v1.36.3
with_kubectl=0
[[ "${1:-}" == "--with-kubectl" ]] && with_kubectl=1

command -v go >/dev/null || { echo "build.sh: go not found (need Go >= 1.26)" >&2; exit 3; }
stamp=$(cat "$here/tools/go.mod" "$here/tools/go.sum" "$here/kuberay/go.mod" "$here/kuberay/go.sum" "$here/build.sh" \
        | sha256sum | cut -c1-16)
cache="${RAYCTL_K8S_CACHE:-$HOME/.cache/rayctl/k8s}"
bin="$cache/$stamp/bin"
mkdir -p "$bin"

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath"
nice_cmd=(nice -n "${RAYCTL_K8S_NICE:-10}")
LDF="-s -w -X k8s.io/component-base/version.gitVersion=$K8S -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=36 -X k8s.io/client-go/pkg/version.gitVersion=$K8S"

build() {  # build <module dir> <output name> <package> [ldflags]
  local dir="$1" name="$2" pkg="$3" ldf="${4:--s -w}"
  [[ -x "$bin/$name" ]] && return 0
  local t0=$SECONDS
  echo "build.sh: building $name ($pkg)" >&2
  (cd "$dir" && "${nice_cmd[@]}" go build -ldflags "$ldf" -o "$bin/$name.tmp" "$pkg")
  mv "$bin/$name.tmp" "$bin/$name"
  echo "build.sh: $name built in $((SECONDS - t0)) s" >&2
}

build "$here/tools" etcd go.etcd.io/etcd/server/v3
build "$here/tools" kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$LDF"
build "$here/tools" kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$LDF"
build "$here/tools" kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$LDF"
build "$here/tools" kwok sigs.k8s.io/kwok/cmd/kwok
build "$here/kuberay" ray-operator github.com/ray-project/kuberay/ray-operator
if (( with_kubectl )); then
  build "$here/tools" kubectl k8s.io/kubernetes/cmd/kubectl "$LDF"
fi

# CRDs and kwok's default stages come from the modules themselves (same pinned versions).
share="$cache/$stamp/share"
if [[ ! -f "$share/.done" ]]; then
  mkdir -p "$share/crd" "$share/kwok"
  kr=$(cd "$here/kuberay" && go list -m -f '{{.Dir}}' github.com/ray-project/kuberay/ray-operator)
  kw=$(cd "$here/tools" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)
  cp "$kr"/config/crd/bases/ray.io_*.yaml "$share/crd/"
  cp -r "$kw"/kustomize/stage "$share/kwok/"
  chmod -R u+w "$share"
  touch "$share/.done"
fi
echo "$bin"
