#!/usr/bin/env python3
"""Records golden outputs of SmolLM2-135M-Instruct (Q4_1 GGUF) from Hugging Face transformers.

The reference is transformers' own Llama forward pass on the weights of the GGUF file as
transformers loads them (`gguf_file=`): Q4_1/Q8_0 blocks dequantized to float32, and the Q/K
rows un-permuted back to HF's half-split RoPE layout. So the golden data checks rayctl's
forward pass (RMSNorm, RoPE layout, GQA, SwiGLU, tied head) against HF on identical weights.

Writes tests/fixtures/inference/golden/smollm2_q4_1.json with, per prompt:
  prompt_ids      the ids of the chat-templated prompt (HF tokenizer built from the GGUF)
  top_logits      the 64 largest last-position logits as [id, value] (float32)
  greedy_ids      64 greedily generated ids (do_sample=False, EOS ignored by forcing length)

Needs torch, transformers, gguf (not in CI; a throw-away venv):
  python3 -m venv /tmp/golden && /tmp/golden/bin/pip install torch transformers gguf accelerate
  /tmp/golden/bin/python scripts/inference-golden/make_goldens.py "$(scripts/fetch-model.sh)"
"""
import json
import os
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [
    "What is the capital of France?",
    "Write a haiku about the sea.",
    "Explain photosynthesis in one sentence.",
    "List three prime numbers.",
    "Translate 'good morning' into Spanish.",
    "What is 12 times 7?",
    "Write a Python function that reverses a string.",
    "Who wrote Romeo and Juliet?",
    "Give me a tip for sleeping better.",
    "Describe the colour blue to someone who cannot see.",
]
N_GEN = 64
TOP = 64


def main():
    gguf_path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(__file__), "..", "..", "tests", "fixtures", "inference", "golden", "smollm2_q4_1.json")
    d, f = os.path.dirname(gguf_path), os.path.basename(gguf_path)
    torch.set_num_threads(2)
    tok = AutoTokenizer.from_pretrained(d, gguf_file=f)
    model = AutoModelForCausalLM.from_pretrained(d, gguf_file=f, dtype=torch.float32)
    model.eval()
    cases = []
    for p in PROMPTS:
        text = tok.apply_chat_template([{"role": "user", "content": p}], tokenize=False, add_generation_prompt=True)
        ids = tok(text, add_special_tokens=False)["input_ids"]
        x = torch.tensor([ids])
        with torch.no_grad():
            logits = model(x).logits[0, -1].float()
            gen = model.generate(x, max_new_tokens=N_GEN, min_new_tokens=N_GEN, do_sample=False,
                                 attention_mask=torch.ones_like(x))
        vals, idx = torch.topk(logits, TOP)
        cases.append({
            "prompt": p,
            "prompt_ids": ids,
            "top_logits": [[int(i), float(v)] for i, v in zip(idx.tolist(), vals.tolist())],
            "greedy_ids": gen[0, len(ids):].tolist(),
            "greedy_text": tok.decode(gen[0, len(ids):]),
        })
        print(p, "->", cases[-1]["greedy_text"][:80].replace("\n", " "), flush=True)
    import gguf
    meta = {
        "model": f,
        "reference": "HF transformers LlamaForCausalLM on the GGUF weights dequantized to float32 (gguf_file=)",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "gguf": getattr(gguf, "__version__", "unknown"), "python": sys.version.split()[0]},
        "n_generated": N_GEN,
        "eos_token_id": model.generation_config.eos_token_id,
        "note": "greedy_ids are forced to 64 tokens (min_new_tokens), i.e. generation continues past EOS",
    }
    with open(out, "w") as fh:
        json.dump({"meta": meta, "cases": cases}, fh, indent=1)
    print("wrote", out)


if __name__ == "__main__":
    main()
