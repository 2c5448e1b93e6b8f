#!/usr/bin/env bash
# run-live-check.sh TEST_BINARY OUT_DIR: the live Hugging Face reference check (CI, label
# integration). Downloads the real SmolLM2 GGUF (scripts/fetch-model.sh) and the pinned HF stack
# (setup-venv.sh), recomputes every tokenizer / chat-template golden with HF into OUT_DIR, and runs
# rayctl's golden tests against those fresh results (also loading the tokenizer.json files, and
# failing instead of skipping if the model is missing). Idempotent; cached under ~/.cache/rayctl.
set -euo pipefail
test_bin="$1"
out="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
model="$("$root/scripts/fetch-model.sh")"
py="$("$root/scripts/inference-reference/setup-venv.sh")"
rm -rf "$out"
mkdir -p "$out"
"$py" "$root/scripts/inference-reference/make_golden.py" --smollm2-gguf "$model" \
  --vocab-dir "$root/tests/fixtures/inference/vocab" --template-dir "$root/tests/fixtures/inference/templates" \
  --out "$out" --write-tokenizer-json
for t in SmolLM2-135M-Instruct.jinja Qwen2-Instruct.jinja Meta-Llama-3-8B-Instruct.jinja; do
  cmp "$out/templates/$t" "$root/tests/fixtures/inference/templates/$t"
done
RAYCTL_MODEL_GGUF="$model" RAYCTL_REQUIRE_MODEL=1 RAYCTL_INFERENCE_REFERENCE_DIR="$out" \
  "$test_bin" --gtest_filter='TokenizerGolden.*:ChatTemplateGolden.*:GgufFileRealModel.*:ModelConfig*.*'
