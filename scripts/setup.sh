#!/usr/bin/env bash
# Installs exactly what a fresh Debian bookworm needs to build and test rayctl (as root, or
# with sudo). Idempotent: packages already present are left alone.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build pkg-config ccache git ca-certificates curl
  libcli11-dev libyaml-cpp-dev libcurl4-openssl-dev libssh2-1-dev libfmt-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libpcre2-dev libicu-dev zlib1g-dev
  clang libclang-rt-14-dev           # libFuzzer + sanitizers
  openssh-server openssh-client iproute2 procps psmisc openssl rsync  # SSH rig (rsync: the `ray up` baseline), k8s certificates
  python3 python3-venv python3-pip   # Ray from PyPI, HF reference checks
  mandoc groff-base                  # man pages linted as a test (mandoc -Tlint, groff -ww)
)
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v go >/dev/null 2>&1; then
  echo "setup: note: Go is not installed; the Kubernetes rig (scripts/k8s) needs Go >= 1.26" >&2
fi
