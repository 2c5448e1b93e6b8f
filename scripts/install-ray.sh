#!/usr/bin/env bash
# Installs the pinned Ray (with Serve; RAY_VERSION, default 2.60.0) into a venv outside the repository
# and prints its path.
# The venv is cached: a second run only checks the version. Used by the main job, the SSH rig
# (all namespace hosts share it) and the Serve integration tests.
set -euo pipefail
RAY_VERSION="${RAY_VERSION:-2.60.0}"
VENV="${RAYCTL_RAY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/rayctl/ray-$RAY_VERSION}"
if [ -x "$VENV/bin/ray" ] && "$VENV/bin/python" -c "import ray, sys, google.protobuf as pb; sys.exit(ray.__version__ != '$RAY_VERSION' or int(pb.__version__.split('.')[0]) >= 7)" 2>/dev/null; then
  echo "$VENV"; exit 0
fi
PY="${PYTHON:-python3}"
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV" >&2
# protobuf 7 removed FieldDescriptor.label, which Serve (2.53 at least) still uses: every deploy fails.
"$VENV/bin/pip" install -q --disable-pip-version-check "ray[serve]==$RAY_VERSION" "protobuf<7" >&2
"$VENV/bin/ray" --version >&2
echo "$VENV"
