#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this):
#   1. set-up (Debian packages, pinned Ray, the SmolLM2 model) — cached after the first run;
#   2. build with -Wall -Wextra -Werror and run every test: unit + integration (real sshd hosts
#      in network namespaces, real Ray, a real kube-apiserver with KubeRay, the real model);
#   3. build again under ASan + UBSan and run the unit tests there.
# The first build includes the CUDA backend, compiled with the pinned PyPI toolkit
# (scripts/install-cuda.sh) so that every .cu file is compiled even here without a GPU; its GPU
# tests skip with the reason. RAYCTL_TEST_CUDA=0 leaves CUDA out.
# Options: --unit (skip integration tests), --no-sanitize.
set -euo pipefail
cd "$(dirname "$0")/.."
UNIT_ONLY=0; SANITIZE=1
for a in "$@"; do
  case "$a" in
    --unit) UNIT_ONLY=1 ;;
    --no-sanitize) SANITIZE=0 ;;
    *) echo "usage: scripts/test.sh [--unit] [--no-sanitize]" >&2; exit 2 ;;
  esac
done
JOBS="${RAYCTL_JOBS:-$(nproc)}"
step() { printf '\n== %s (%s)\n' "$*" "$(date -u +%H:%M:%S)"; }

step "set-up"
bash scripts/setup.sh
RAYCTL_RAY_VENV="$(bash scripts/install-ray.sh)"; export RAYCTL_RAY_VENV
RAYCTL_MODEL="$(bash scripts/fetch-model.sh)"; export RAYCTL_MODEL

CUDA_ARGS=(-DRAYCTL_CUDA=OFF)
if [ "${RAYCTL_TEST_CUDA:-1}" != 0 ]; then
  CUDA_ROOT="$(bash scripts/install-cuda.sh)"
  CUDA_ARGS=(-DRAYCTL_CUDA=ON -DCMAKE_CUDA_COMPILER="$CUDA_ROOT/bin/nvcc" -DCUDAToolkit_ROOT="$CUDA_ROOT")
fi

step "build (-Werror)"
bash scripts/build.sh build "${CUDA_ARGS[@]}"
status=0
step "tests"
(cd build && ctest -LE integration --output-on-failure -j "$JOBS") || status=1
if [ "$UNIT_ONLY" = 0 ]; then
  step "integration tests (one at a time: each starts real servers)"
  (cd build && ctest -L integration --output-on-failure -j 1) || status=1
fi

if [ "$SANITIZE" = 1 ]; then
  step "build (ASan + UBSan)"
  bash scripts/build.sh build-asan -DRAYCTL_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DRAYCTL_CUDA=OFF
  step "unit tests under ASan + UBSan"
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest -LE integration --output-on-failure -j "$JOBS") || status=1
fi
step "done"
exit $status
