#!/usr/bin/env bash
# Runs the attack suite (attack.py) against the real SmolLM2 GGUF: $RAYCTL_MODEL when set
# (scripts/test.sh exports it), else scripts/fetch-model.sh (downloads it once).
# usage: run.sh RAYCTL_BINARY [attack.py options]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$1"; shift
model="${RAYCTL_MODEL:-}"
if [[ -z "$model" || ! -s "$model" ]]; then
  model="$(bash "$here/../../../scripts/fetch-model.sh")"
fi
exec python3 "$here/attack.py" "$binary" "$model" "$@"
