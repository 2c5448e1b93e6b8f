#!/usr/bin/env bash
# The official `openai` Python client (PyPI, pinned in requirements.txt; its venv is cached
# under ~/.cache/rayctl) against `rayctl inference serve` on loopback with the real SmolLM2 GGUF
# ($RAYCTL_MODEL, else scripts/fetch-model.sh), and for tools against a tiny random-weight Qwen2
# checkpoint carrying the real Qwen2.5 template: client_test.py asserts on the parsed objects.
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
# Waits for the server started as PID to print its ready line in FILE; prints its URL.
ready_url() {
  local pid="$1" file="$2" url=""
  for _ in $(seq 600); do
    url="$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$file" 2>/dev/null || true)"
    [[ -n "$url" ]] && { echo "$url"; return 0; }
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "the server did not become ready" >&2
  return 1
}
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$out"' EXIT
"$binary" inference serve --model "$model" --port 0 --parallel 4 --ctx 2048 --api-key test-key \
  --model-name smollm2 -o json > "$out/ready.json" 2> "$out/serve.log" &
pid=$!
url="$(ready_url "$pid" "$out/ready.json")" || { cat "$out/serve.log" >&2; exit 1; }
# Tools: the tiny random-weight Qwen2 checkpoint with the real Qwen2.5 chat template (SmolLM2's
# template renders no tools).
fixtures="$here/../../fixtures/inference"
mkdir -p "$out/qwen"
cp "$fixtures"/tiny/tiny-qwen2-bf16/* "$out/qwen/"
cp "$fixtures/templates/Qwen-Qwen2.5-7B-Instruct.jinja" "$out/qwen/chat_template.jinja"
"$binary" inference serve --model "$out/qwen" --port 0 --ctx 2048 --model-name tiny-qwen -o json \
  > "$out/ready2.json" 2> "$out/serve2.log" &
pid2=$!
trap 'kill "$pid" "$pid2" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$out"' EXIT
url2="$(ready_url "$pid2" "$out/ready2.json")" || { cat "$out/serve2.log" >&2; exit 1; }
timeout 300 "$venv/bin/python" "$here/client_test.py" "$url" test-key "$url2"
