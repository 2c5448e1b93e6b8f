#!/usr/bin/env python3
"""Makes the small random-weight Hugging Face checkpoints under tests/fixtures/inference/tiny/
and records their golden outputs from transformers.

Each model is a real HF checkpoint directory, written by transformers' own save_pretrained:
config.json, generation_config.json, model.safetensors (or shards + model.safetensors.index.json),
tokenizer.json / tokenizer_config.json (a tiny byte-level BPE trained here, ChatML template).

  tiny-llama-f32         LlamaForCausalLM, float32, one file, separate lm_head,
                         hidden 64, 4 heads / 2 KV heads (GQA 2:1), head_dim 16, 2 layers
  tiny-qwen2-bf16        Qwen2ForCausalLM, bfloat16, 2 shards + index, tied embeddings,
                         q/k/v biases, hidden 96, 6 heads / 2 KV heads (GQA 3:1), head_dim 16
  tiny-llama-f16-llama3  LlamaForCausalLM, float16, one file, tied embeddings, llama3 RoPE
                         scaling, hidden 64, 2 heads / 1 KV head (MQA), head_dim 32

Weights are drawn from a seeded generator, wider than HF's init (std 0.02 would make every
logit nearly equal and greedy decoding a coin toss): matrices N(0, 0.15²), norm weights
1 + N(0, 0.2²), biases N(0, 0.2²). The smallest top-1/top-2 logit gap along every greedy path
is recorded (meta.min_greedy_margin); rayctl's exact path differs from HF's by about 1e-5, so
an identical greedy path is a fair ask only while that gap stays far above it.

The reference is transformers' forward pass in float32 on the weights as saved (a bf16/f16
checkpoint is read back and upcast, as rayctl's exact CPU path does). Per model, golden.json:
  prompt_ids   8 token-id prompts of 1 to 150 tokens (random ids; per length the most
               tie-free of 6 draws, see pick_prompts)
  top_logits   the 32 largest last-position logits as [id, value]
  greedy_ids   64 greedy tokens (EOS suppressed, as with min_new_tokens)
  margins      the top-1/top-2 gap at the prompt and the smallest along the generation

Run (not in CI; needs torch, transformers, safetensors, tokenizers in a throw-away venv):
  python3 -m venv /tmp/golden && /tmp/golden/bin/pip install torch transformers safetensors
  /tmp/golden/bin/python scripts/inference-golden/make_tiny_safetensors.py
Deterministic for a given torch/transformers version (recorded in each golden.json).
"""
import json
import os
import shutil
import sys

import safetensors
import tokenizers
import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

SEED = 20261129
N_GEN = 64
TOP = 32
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "..", "tests", "fixtures", "inference", "tiny")

CHATML = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + "
          "'<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}")
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

CORPUS = [
    "The quick brown fox jumps over the lazy dog. Pack my box with five dozen liquor jugs.",
    "def reverse(s):\n    return s[::-1]\n\nprint(reverse('hello world'))",
    "Ray Serve runs models behind an HTTP endpoint; rayctl brings a cluster up from one YAML file.",
    "In 1969, 3 astronauts flew 384400 km to the Moon and back in about 8 days.",
    "Caf\u00e9, na\u00efve, \u00fcber, \u00e5ngstr\u00f6m \u2014 and emoji: \U0001F600 \U0001F680.",
    "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\nParis.<|im_end|>",
] * 4

MODELS = {
    "tiny-llama-f32": dict(arch="llama", dtype=torch.float32, shard=None, tied=False, hidden=64, heads=4, kv=2,
                           head_dim=None, ff=160, layers=2, vocab=320, rope_theta=10000.0, rope_scaling=None,
                           max_pos=512, eps=1e-5),
    "tiny-qwen2-bf16": dict(arch="qwen2", dtype=torch.bfloat16, shard="250KB", tied=True, hidden=96, heads=6, kv=2,
                            head_dim=None, ff=192, layers=2, vocab=300, rope_theta=1000000.0, rope_scaling=None,
                            max_pos=1024, eps=1e-6),
    "tiny-llama-f16-llama3": dict(arch="llama", dtype=torch.float16, shard=None, tied=True, hidden=64, heads=2, kv=1,
                                  head_dim=32, ff=128, layers=2, vocab=300, rope_theta=500000.0,
                                  rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                "high_freq_factor": 4.0, "original_max_position_embeddings": 64},
                                  max_pos=1024, eps=1e-5),
}


def make_tokenizer(vocab_size):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|im_start|>", eos_token="<|im_end|>",
                                   unk_token=None, pad_token="<|endoftext|>")
    fast.chat_template = CHATML
    return fast


def make_config(spec, n_vocab, tok):
    common = dict(vocab_size=n_vocab, hidden_size=spec["hidden"], intermediate_size=spec["ff"],
                  num_hidden_layers=spec["layers"], num_attention_heads=spec["heads"],
                  num_key_value_heads=spec["kv"], max_position_embeddings=spec["max_pos"], rms_norm_eps=spec["eps"],
                  tie_word_embeddings=spec["tied"], bos_token_id=tok.convert_tokens_to_ids("<|im_start|>"),
                  eos_token_id=tok.convert_tokens_to_ids("<|im_end|>"),
                  pad_token_id=tok.convert_tokens_to_ids("<|endoftext|>"), hidden_act="silu")
    rope = {"rope_type": "default", "rope_theta": spec["rope_theta"]}
    if spec["rope_scaling"]:
        rope = dict(spec["rope_scaling"], rope_theta=spec["rope_theta"])
    if spec["arch"] == "llama":
        cfg = LlamaConfig(head_dim=spec["head_dim"] or spec["hidden"] // spec["heads"], **common)
    else:
        cfg = Qwen2Config(use_sliding_window=False, **common)
    # transformers 5 keeps RoPE settings in rope_parameters (4.x: rope_theta / rope_scaling).
    if hasattr(cfg, "rope_parameters"):
        cfg.rope_parameters = rope
    else:
        cfg.rope_theta = spec["rope_theta"]
        cfg.rope_scaling = spec["rope_scaling"]
    return cfg


def randomize(model, gen):
    with torch.no_grad():
        for name, p in sorted(model.named_parameters()):
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
            elif name.endswith(".bias"):
                p.copy_(0.2 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(0.15 * torch.randn(p.shape, generator=gen))


PROMPT_LENGTHS = (1, 3, 7, 12, 20, 33, 64, 150)  # 150: across ten 16-token KV blocks
CANDIDATES = 6


def pick_prompts(model, n_vocab, eos, gen):
    """Token-id prompts, one per length in PROMPT_LENGTHS: of CANDIDATES random draws, the one
    whose greedy path stays furthest from a tie (largest smallest top-1/top-2 gap). Random
    weights give near-uniform logits, so a path through a near-tie would make "identical greedy
    tokens" a test of summation order rather than of the model code."""
    chosen = []
    for n in PROMPT_LENGTHS:
        best = None
        for _ in range(CANDIDATES):
            ids = torch.randint(0, n_vocab, (n,), generator=gen).tolist()
            gen_ids, margin = greedy(model, ids, eos)
            if best is None or margin > best[2]:
                best = (ids, gen_ids, margin)
        chosen.append(best)
    return chosen


def greedy(model, ids, eos):
    """Greedy decoding with EOS suppressed; returns tokens and the smallest top-1/top-2 gap."""
    x = torch.tensor([ids])
    out, smallest = [], float("inf")
    past = None
    with torch.no_grad():
        for _ in range(N_GEN):
            r = model(x, past_key_values=past, use_cache=True)
            past = r.past_key_values
            lg = r.logits[0, -1].clone()
            lg[eos] = -float("inf")
            top2 = torch.topk(lg, 2).values
            smallest = min(smallest, float(top2[0] - top2[1]))
            t = int(torch.argmax(lg))
            out.append(t)
            x = torch.tensor([[t]])
    return out, smallest


def build(name, spec, gen):
    d = os.path.join(OUT, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    tok = make_tokenizer(spec["vocab"])
    n_vocab = spec["vocab"]
    if len(tok) > n_vocab:
        sys.exit(f"{name}: tokenizer has {len(tok)} tokens, more than the model's {n_vocab}")
    cfg = make_config(spec, n_vocab, tok)
    model_cls = LlamaForCausalLM if spec["arch"] == "llama" else Qwen2ForCausalLM
    model = model_cls(cfg)
    randomize(model, gen)
    model = model.to(spec["dtype"])
    kw = {"max_shard_size": spec["shard"]} if spec["shard"] else {}
    model.save_pretrained(d, safe_serialization=True, **kw)
    tok.save_pretrained(d)
    if spec["shard"] and not os.path.exists(os.path.join(d, "model.safetensors.index.json")):
        sys.exit(f"{name}: expected a sharded checkpoint")

    # The reference: read back what was written, in float32.
    ref = model_cls.from_pretrained(d, dtype=torch.float32)
    ref.eval()
    eos = cfg.eos_token_id
    cases = []
    for ids, gen_ids, margin in pick_prompts(ref, n_vocab, eos, gen):
        with torch.no_grad():
            logits = ref(torch.tensor([ids])).logits[0, -1].float()
        vals, idx = torch.topk(logits, TOP)
        cases.append({"prompt_ids": ids, "top_logits": [[int(i), float(v)] for i, v in zip(idx.tolist(), vals.tolist())],
                      "greedy_ids": gen_ids,
                      "margins": {"prompt_top2": float(vals[0] - vals[1]), "greedy_min": margin}})
    files = sorted(os.listdir(d))
    meta = {
        "model": name, "architecture": model_cls.__name__, "dtype": str(spec["dtype"]).replace("torch.", ""),
        "files": files, "bytes": sum(os.path.getsize(os.path.join(d, f)) for f in files),
        "reference": "HF transformers forward pass in float32 on the saved weights (from_pretrained(dtype=float32))",
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "safetensors": safetensors.__version__, "tokenizers": tokenizers.__version__,
                     "python": sys.version.split()[0]},
        "seed": SEED, "n_generated": N_GEN, "eos_token_id": eos, "n_vocab": n_vocab, "tokenizer_size": len(tok),
        "min_greedy_margin": min(min(c["margins"]["greedy_min"], c["margins"]["prompt_top2"]) for c in cases),
        "note": "greedy_ids suppress EOS (logit -inf) at every step, i.e. generation continues as with min_new_tokens",
    }
    with open(os.path.join(OUT, name + ".golden.json"), "w") as fh:
        json.dump({"meta": meta, "cases": cases}, fh, indent=1)
    print(f"{name}: {meta['bytes']} bytes in {files}; min greedy margin {meta['min_greedy_margin']:.4f}")


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    gen = torch.Generator().manual_seed(SEED)
    os.makedirs(OUT, exist_ok=True)
    for name, spec in MODELS.items():
        build(name, spec, gen)


if __name__ == "__main__":
    main()
