#!/usr/bin/env bash
# The GPU benchmark of issue 14 (run by device_check.sh on the GPU machine, or by hand):
#   bash bench/cuda/bench.sh RAYCTL MODEL_DIR OUT_DIR
# MODEL_DIR holds the files make_random_gguf.py writes: smol-q4_1.gguf (SmolLM2-135M shape,
# Q4_1) and l1b-bf16.gguf / l1b-q8_0.gguf (Llama-3.2-1B shape). For each: decode tokens/s at
# batch 1 (`inference run`, 256 tokens), prefill tokens/s of a 512-token prompt (prompt tokens /
# time to first token), and through the HTTP server aggregate decode tokens/s with TTFT p50/p99
# at concurrency 1, 8, 32, 64 (`inference bench`, 128 tokens each). The roofline fraction of
# batch-1 decode = weight bytes × tokens/s ÷ the device-to-device copy bandwidth measured here
# (torch, bytes read + written). Writes OUT_DIR/bench.json and prints a table.
set -uo pipefail
RAYCTL="$1"; MODELS="$2"; OUTD="$3"
mkdir -p "$OUTD"
PROMPT512="$(python3 -c "print('x' * 512, end='')")"  # the random models' tokenizer: one token a byte
results="$OUTD/bench.jsonl"; : > "$results"
bw="$(python3 - <<'PY'
import torch
x = torch.empty(2 * 1024**3, dtype=torch.uint8, device="cuda"); y = torch.empty_like(x)
for _ in range(3): y.copy_(x)
torch.cuda.synchronize()
s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
s.record()
for _ in range(10): y.copy_(x)
e.record(); torch.cuda.synchronize()
print(2 * x.numel() * 10 / (s.elapsed_time(e) / 1e3))
PY
)"
echo "device-to-device copy: $(python3 -c "print(f'{$bw / 1e12:.2f}')") TB/s (read + write)"
for name in smol-q4_1 l1b-bf16 l1b-q8_0; do
  m="$MODELS/$name.gguf"
  [ -s "$m" ] || { echo "$name: missing $m"; continue; }
  dec="$("$RAYCTL" inference run -m "$m" --device cuda --max-tokens 256 -o json --raw "Once upon a time" |
         python3 -c "import json,sys; print(json.load(sys.stdin)['timings']['decode_tokens_per_second'])")"
  pp="$("$RAYCTL" inference run -m "$m" --device cuda --max-tokens 1 -o json --raw "$PROMPT512" |
        python3 -c "import json,sys; d=json.load(sys.stdin); print(d['usage']['prompt_tokens'] / d['timings']['time_to_first_token_seconds'])")"
  "$RAYCTL" inference serve -m "$m" --device cuda --port 0 --parallel 64 --max-batch-tokens 2048 -o json \
    > "$OUTD/serve-$name.json" 2> "$OUTD/serve-$name.err" &
  spid=$!
  url=""
  for _ in $(seq 600); do
    url="$(python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readline())['url'])" "$OUTD/serve-$name.json" 2>/dev/null)"
    [ -n "$url" ] && break; sleep 0.1
  done
  "$RAYCTL" inference bench --url "$url" --concurrency 1,8,32,64 --max-tokens 128 -o json > "$OUTD/load-$name.json"
  kill -TERM "$spid"; wait "$spid"
  python3 - "$name" "$m" "$dec" "$pp" "$bw" "$OUTD/load-$name.json" >> "$results" <<'PY'
import json, os, sys
name, path, dec, pp, bw, load = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
weights = os.path.getsize(path)  # the file is (almost all) weights
levels = json.load(open(load))["levels"]
print(json.dumps({"model": name, "weight_bytes": weights, "decode_batch1_tokens_per_second": dec,
                  "roofline_fraction_batch1": dec * weights / bw, "prefill_512_tokens_per_second": pp,
                  "copy_bandwidth_bytes_per_second": bw,
                  "concurrency": {str(l["concurrency"]): {"tokens_per_second": l["output_tokens_per_second"],
                                                         "ttft_p50_s": l["ttft_seconds"]["p50"],
                                                         "ttft_p99_s": l["ttft_seconds"]["p99"]} for l in levels}}))
PY
  tail -1 "$results"
done
python3 -c "import json,sys; print(json.dumps([json.loads(l) for l in open(sys.argv[1])], indent=1))" "$results" > "$OUTD/bench.json"
