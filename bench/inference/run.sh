#!/usr/bin/env bash
# CPU inference benchmark for issue 6's targets, on SmolLM2-135M-Instruct Q4_1 (scripts/fetch-model.sh):
#   - decode tokens/s at batch 1 (`rayctl inference run`, 128 tokens after a 37-token chat prompt);
#   - prompt processing tokens/s (a 528-token raw prompt: prompt tokens / time to first token);
#   - aggregate decode tokens/s at 1 and 8 concurrent streams through the HTTP server
#     (`rayctl inference bench --concurrency 1,8`, 64 tokens each), with an SVG plot.
# Each of the first two runs RUNS times with 1 and with 2 threads; the best and the median are
# printed. The 1-minute load average is printed with each section: the numbers only mean
# something on an otherwise idle machine.
#
#   bash bench/inference/run.sh [RAYCTL] [RUNS]        # defaults: build/cli/rayctl, 5
# Extra env: RAYCTL_CPU_KERNELS=avx2|scalar to measure a lesser kernel family.
set -euo pipefail
cd "$(dirname "$0")/../.."
RAYCTL="${1:-build/cli/rayctl}"
RUNS="${2:-5}"
MODEL="$(bash scripts/fetch-model.sh)"
OUT=bench/inference
load() { cut -d' ' -f1 /proc/loadavg; }
stats() { python3 -c 'import statistics,sys; v=sorted(float(x) for x in sys.argv[1:]); print(f"best {v[-1]:.1f}, median {statistics.median(v):.1f}")' "$@"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin); t=d['timings']; print($1)"; }

LONG_PROMPT="$(python3 -c "print(' '.join(['The lighthouse keeper watched the sea as the storm rolled in from the west, and he wrote in his log.']*24))")"
echo "model: $MODEL"
echo "rayctl: $("$RAYCTL" --version 2>&1 | head -1); tree at $(git rev-parse --short HEAD)"
echo "kernels: ${RAYCTL_CPU_KERNELS:-best for this CPU}; cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
for threads in 1 2; do
  echo "== threads $threads (load $(load))"
  dec=(); pp=()
  for _ in $(seq "$RUNS"); do
    dec+=("$("$RAYCTL" inference run -m "$MODEL" --threads "$threads" --max-tokens 128 -o json \
             "Write a story about a lighthouse keeper" | field "round(t['decode_tokens_per_second'], 1)")")
    pp+=("$("$RAYCTL" inference run -m "$MODEL" --threads "$threads" --max-tokens 1 -o json --raw "$LONG_PROMPT" |
            field "round(d['usage']['prompt_tokens'] / t['time_to_first_token_seconds'], 1)")")
  done
  echo "decode batch 1 (tokens/s): $(stats "${dec[@]}")   runs: ${dec[*]}"
  echo "prompt processing, 528 tokens (tokens/s): $(stats "${pp[@]}")   runs: ${pp[*]}"
done
echo "== server, concurrency 1 and 8 (load $(load))"
"$RAYCTL" inference bench --model "$MODEL" --concurrency 1,8 --max-tokens 64 --plot "$OUT/last.svg" -o json \
  >"$OUT/last.json"
python3 - "$OUT/last.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rate = {}
for r in d["levels"]:
    rate[r["concurrency"]] = r["output_tokens_per_second"]
    print(f"concurrency {r['concurrency']}: {r['output_tokens_per_second']:.1f} tokens/s aggregate, "
          f"TTFT mean {r['ttft_seconds']['mean'] * 1000:.0f} ms, inter-token mean "
          f"{r['inter_token_latency_seconds']['mean'] * 1000:.1f} ms, failed {r['failed']}")
if 1 in rate and 8 in rate:
    print(f"8 streams / 1 stream: {rate[8] / rate[1]:.2f}x")
EOF
echo "plot: $OUT/last.svg (JSON: $OUT/last.json)"
