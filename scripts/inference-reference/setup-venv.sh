#!/usr/bin/env bash
# setup-venv.sh: create (once) the Python venv with the pinned HF reference stack
# (requirements.txt) under ~/.cache/rayctl and print its python path. Idempotent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash="$(sha256sum "$here/requirements.txt" | cut -c1-12)"
venv="${RAYCTL_CACHE_DIR:-$HOME/.cache/rayctl}/inference-ref-$hash"
if [[ ! -x "$venv/bin/python" || ! -f "$venv/.complete" ]]; then
  echo "setup-venv.sh: creating $venv (tokenizers, transformers, gguf, jinja2 from PyPI)" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt" >&2
  touch "$venv/.complete"
fi
echo "$venv/bin/python"
