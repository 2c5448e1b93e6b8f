#!/usr/bin/env bash
# Wall time of `rayctl --version` and `rayctl version -o json` (target < 10 ms): the cost of
# starting the binary and building the command tree. Uses hyperfine when installed, else a
# bounded loop. Usage: bench/version/run.sh [path/to/rayctl]
set -euo pipefail
BIN="${1:-build/cli/rayctl}"
if command -v hyperfine >/dev/null 2>&1; then
  hyperfine -N --warmup 20 --runs 200 "$BIN --version" "$BIN version -o json"
else
  for cmd in "--version" "version -o json"; do
    start=$(date +%s%N)
    for _ in $(seq 200); do $BIN $cmd >/dev/null; done
    end=$(date +%s%N)
    echo "rayctl $cmd: $(( (end - start) / 200 / 1000 )) µs mean over 200 runs"
  done
fi
