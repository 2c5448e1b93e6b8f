#!/usr/bin/env bash
# `serve build` of the installed Ray (scripts/install-ray.sh) on the sample apps (the RAG pipeline
# of manifests/apps and the echo app of the Serve tests), then `rayctl validate` of what it wrote:
# Ray's own generated config must validate with zero diagnostics (no error, no warning).
# Usage: serve_build_test.sh RAYCTL SOURCE_DIR. Skips (77) when Ray cannot be installed.
set -euo pipefail
rayctl="$1"; src="$2"
venv="${RAYCTL_RAY_VENV:-$(bash "$src/scripts/install-ray.sh" 2>/dev/null || true)}"
[ -x "$venv/bin/serve" ] || { echo "skip: no Ray venv (bash scripts/install-ray.sh)"; exit 77; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp "$src/manifests/apps/rag.py" "$src/tests/integration/serve/echo_app/echo.py" "$work/"
( cd "$work" && "$venv/bin/serve" build rag:app echo:app --app-dir "$work" -o "$work/built.yaml" ) >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; echo "FAIL: serve build"; exit 1; }
"$venv/bin/ray" --version
cat "$work/built.yaml"
out=$("$rayctl" validate -o json "$work/built.yaml") || { echo "$out"; echo "FAIL: validate exit $?"; exit 1; }
echo "$out"
count=$(printf '%s' "$out" | "$venv/bin/python" -c 'import json,sys; d=json.load(sys.stdin); print(len(d["diagnostics"]) if isinstance(d,dict) else len(d))')
[ "$count" = 0 ] || { echo "FAIL: $count diagnostic(s) on serve build's own output"; exit 1; }
echo "ok: serve build output validates with zero diagnostics"
