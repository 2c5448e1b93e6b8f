#!/usr/bin/env bash
# The official `openai` Python client (PyPI, pinned in requirements.txt; its venv is cached
# under ~/.cache/rayctl) against `rayctl inference serve` on loopback with the real SmolLM2 GGUF
# ($RAYCTL_MODEL, else scripts/fetch-model.sh): client_test.py asserts on the parsed objects.
# usage: run.sh RAYCTL_BINARY
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="$1"
model="${RAYCTL_MODEL:-}"
[[ -n "$model" && -s "$model" ]] || model="$(bash "$here/../../../scripts/fetch-model.sh")"
hash="$(sha256sum "$here/requirements.txt" | cut -c1-12)"
venv="${RAYCTL_CACHE_DIR:-$HOME/.cache/rayctl}/openai-client-$hash"
if [[ ! -x "$venv/bin/python" || ! -f "$venv/.complete" ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  touch "$venv/.complete"
fi
out="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
"$binary" inference serve --model "$model" --port 0 --parallel 4 --ctx 2048 --api-key test-key \
  --model-name smollm2 -o json > "$out/ready.json" 2> "$out/serve.log" &
pid=$!
url=""
for _ in $(seq 600); do
  url="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$out/ready.json" 2>/dev/null || true)"
  [[ -n "$url" ]] && break
  kill -0 "$pid" 2>/dev/null || { cat "$out/serve.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$url" ]] || { echo "the server did not become ready" >&2; cat "$out/serve.log" >&2; exit 1; }
timeout 300 "$venv/bin/python" "$here/client_test.py" "$url" test-key
