#!/usr/bin/env bash
# Configures and builds rayctl. Usage: scripts/build.sh [BUILD_DIR] [extra cmake args...]
# BUILD_DIR defaults to build/. Warnings are errors (as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"; shift || true
JOBS="${RAYCTL_JOBS:-$(nproc)}"
cmake -S . -B "$BUILD" -G Ninja -DRAYCTL_WERROR=ON "$@" >/dev/null
ninja -C "$BUILD" -j "$JOBS"
