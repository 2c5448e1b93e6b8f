#!/usr/bin/env bash
# libFuzzer under ASan + UBSan (clang from Debian) over the config loaders, the GGUF reader, the
# inference server's HTTP request parser (and a live HttpServer) and its OpenAI request parsing.
# Usage: scripts/fuzz.sh [SECONDS per target, default 300] [TARGET...]
# Corpora live in ~/.cache/rayctl/fuzz/<target>, seeded from the test fixtures and samples (config)
# and from the head of the SmolLM2 GGUF (gguf) when it is cached; the HTTP and OpenAI request
# targets from tests/fuzz/seeds/<target>. A crash leaves its input in
# the current directory (crash-*) and makes this script exit non-zero; so does running out of
# memory (libFuzzer's -rss_limit_mb, and -malloc_limit_mb which defaults to it).
# Environment: RAYCTL_FUZZ_BUILD (build folder, default build-fuzz), RAYCTL_JOBS (ninja -j).
set -euo pipefail
cd "$(dirname "$0")/.."
SECS="${1:-300}"; shift || true
TARGETS=("$@"); [ ${#TARGETS[@]} -gt 0 ] || TARGETS=(config_loaders gguf_reader http_request_parser openai_request)
BUILD="${RAYCTL_FUZZ_BUILD:-build-fuzz}"
cmake -S . -B "$BUILD" -G Ninja -DRAYCTL_FUZZ=ON -DBUILD_TESTING=OFF \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
ninja -C "$BUILD" -j "${RAYCTL_JOBS:-$(nproc)}" "${TARGETS[@]/#/fuzz_}"
CORPUS="${XDG_CACHE_HOME:-$HOME/.cache}/rayctl/fuzz"
mkdir -p "$CORPUS/config_loaders" "$CORPUS/gguf_reader" "$CORPUS/http_request_parser" "$CORPUS/openai_request"
cp -n tests/fuzz/seeds/http_request_parser/* "$CORPUS/http_request_parser/" 2>/dev/null || true
cp -n tests/fuzz/seeds/openai_request/* "$CORPUS/openai_request/" 2>/dev/null || true
cp -n tests/fixtures/config/*.yaml manifests/*/*.yaml tests/fixtures/fuzz-regressions/config-*.yaml \
  "$CORPUS/config_loaders/" 2>/dev/null || true
MODEL="$(bash scripts/fetch-model.sh --check 2>/dev/null || true)"
if [ -n "$MODEL" ] && [ ! -e "$CORPUS/gguf_reader/smollm2-head.gguf" ]; then
  head -c 65536 "$MODEL" > "$CORPUS/gguf_reader/smollm2-head.gguf"
fi
status=0
for t in "${TARGETS[@]}"; do
  echo "== fuzz_$t for ${SECS}s"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECS" -rss_limit_mb=4096 -print_final_stats=1 \
    "$CORPUS/$t" || status=1
done
exit $status
