#!/usr/bin/env bash
# Decode speed at batch 1 on a machine busier than its cores: SPINNERS busy loops (each bounded by
# `timeout`, all ended on exit) run beside `rayctl inference run` with 1 and with 2 threads.
# Shows the thread pool's solo fallback (man rayctl-inference, "Threads"): without it, 2 threads
# next to one busy process on 2 cores decoded ~110 tokens/s against ~180 for 1 thread.
#   bash bench/inference/busy.sh [RAYCTL] [SPINNERS] [RUNS]     # defaults: build/cli/rayctl, 1, 3
set -euo pipefail
cd "$(dirname "$0")/../.."
RAYCTL="${1:-build/cli/rayctl}"; SPINNERS="${2:-1}"; RUNS="${3:-3}"
MODEL="$(bash scripts/fetch-model.sh)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
rate() { "$RAYCTL" inference run -m "$MODEL" --threads "$1" --max-tokens 400 --raw "Once upon a time" --temperature 0 2>&1 >/dev/null |
         tail -1 | grep -o '[0-9.]* tokens/s' | cut -d' ' -f1; }
echo "rayctl: $("$RAYCTL" --version 2>&1 | head -1); $(nproc) cores; $SPINNERS busy loop(s) beside it"
for _ in $(seq "$SPINNERS"); do timeout 600 sh -c 'while :; do :; done' & pids+=($!); done
sleep 1
for threads in 1 2; do
  runs=(); for _ in $(seq "$RUNS"); do runs+=("$(rate "$threads")"); done
  echo "threads $threads: decode tokens/s ${runs[*]} (load $(cut -d' ' -f1 /proc/loadavg))"
done
