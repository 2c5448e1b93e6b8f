#!/usr/bin/env python3
"""Writes a Llama-family GGUF file with random weights, for the GPU benchmarks and checks on a
machine that cannot download models (the device machine reaches no network, and the real
SmolLM2 file, 98 MB, is over what a device call carries). Needs only numpy.

  make_random_gguf.py --shape smollm2 --type Q4_1 --out smol.gguf
  make_random_gguf.py --shape llama1b --type BF16 --out l1b.gguf      # 1.24 B parameters

Shapes: smollm2 = SmolLM2-135M (30 layers, 576 wide, FFN 1536, 9/3 heads, vocab 49152, tied);
llama1b = Llama-3.2-1B (16 layers, 2048 wide, FFN 8192, 32/8 heads, vocab 128256, tied).
Types: F16, BF16, Q8_0, Q4_1 (norms stay F32, as in real files). The tokenizer is byte-level:
the 256 byte tokens, no merges, the rest control tokens — text encodes one token per byte,
which is what a benchmark needs. Weights ~ N(0, 0.02), norms 1: the outputs are noise, but
every kernel runs on real shapes and types, and the CPU backend reads the same file.
"""
import argparse
import struct
import sys

import numpy as np

SHAPES = {
    "smollm2": dict(n_layer=30, n_embd=576, n_ff=1536, n_head=9, n_head_kv=3, n_vocab=49152, ctx=8192, theta=100000.0),
    "llama1b": dict(n_layer=16, n_embd=2048, n_ff=8192, n_head=32, n_head_kv=8, n_vocab=128256, ctx=131072, theta=500000.0),
}
GGML = {"F32": 0, "F16": 1, "Q4_1": 3, "Q8_0": 8, "BF16": 30}
ALIGN = 32


def byte_alphabet():
    """GPT-2's byte → printable character map (bytes_to_unicode)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [chr(c) for _, c in sorted(zip(bs, cs))]


def quantize(t, w):
    """w: float32 [rows, cols] → the ggml bytes of type t."""
    if t == "F32":
        return w.astype("<f4").tobytes()
    if t == "F16":
        return w.astype("<f2").tobytes()
    if t == "BF16":
        u = w.astype("<f4").view("<u4")
        u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16  # round to nearest even
        return u.astype("<u2").tobytes()
    b = w.reshape(-1, 32)
    if t == "Q8_0":
        d = np.abs(b).max(axis=1) / 127.0
        inv = np.where(d > 0, 1.0 / np.maximum(d, 1e-30), 0.0)
        q = np.clip(np.rint(b * inv[:, None]), -127, 127).astype(np.int8)
        out = np.zeros(len(b), dtype=[("d", "<f2"), ("qs", "i1", 32)])
        out["d"], out["qs"] = d, q
        return out.tobytes()
    if t == "Q4_1":
        mn, mx = b.min(axis=1), b.max(axis=1)
        d = (mx - mn) / 15.0
        inv = np.where(d > 0, 1.0 / np.maximum(d, 1e-30), 0.0)
        q = np.clip(np.rint((b - mn[:, None]) * inv[:, None]), 0, 15).astype(np.uint8)
        out = np.zeros(len(b), dtype=[("d", "<f2"), ("m", "<f2"), ("qs", "u1", 16)])
        out["d"], out["m"], out["qs"] = d, mn, q[:, :16] | (q[:, 16:] << 4)
        return out.tobytes()
    raise SystemExit(f"unsupported type {t}")


def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def kv(key, vtype, value):
    out = gguf_string(key) + struct.pack("<I", vtype)
    if vtype == 4:
        return out + struct.pack("<I", value)
    if vtype == 6:
        return out + struct.pack("<f", value)
    if vtype == 7:
        return out + struct.pack("<?", value)
    if vtype == 8:
        return out + gguf_string(value)
    raise ValueError(vtype)


def kv_array(key, etype, values):
    out = gguf_string(key) + struct.pack("<IIQ", 9, etype, len(values))
    if etype == 8:
        return out + b"".join(gguf_string(v) for v in values)
    if etype == 5:
        return out + np.asarray(values, dtype="<i4").tobytes()
    raise ValueError(etype)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shape", choices=SHAPES, required=True)
    ap.add_argument("--type", choices=[t for t in GGML if t != "F32"], required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    s = SHAPES[a.shape]
    rng = np.random.default_rng(a.seed)
    hd = s["n_embd"] // s["n_head"]
    tokens = byte_alphabet() + ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tokens += [f"<|reserved_{i}|>" for i in range(s["n_vocab"] - len(tokens))]
    types = [6] * 256 + [3] * (len(tokens) - 256)
    meta = [
        kv("general.architecture", 8, "llama"), kv("general.name", 8, f"random-{a.shape}-{a.type}"),
        kv("general.alignment", 4, ALIGN), kv("general.quantization_version", 4, 2),
        kv("llama.context_length", 4, s["ctx"]), kv("llama.embedding_length", 4, s["n_embd"]),
        kv("llama.block_count", 4, s["n_layer"]), kv("llama.feed_forward_length", 4, s["n_ff"]),
        kv("llama.attention.head_count", 4, s["n_head"]), kv("llama.attention.head_count_kv", 4, s["n_head_kv"]),
        kv("llama.attention.layer_norm_rms_epsilon", 6, 1e-5), kv("llama.rope.freq_base", 6, s["theta"]),
        kv("llama.rope.dimension_count", 4, hd), kv("llama.vocab_size", 4, s["n_vocab"]),
        kv("tokenizer.ggml.model", 8, "gpt2"), kv("tokenizer.ggml.pre", 8, "gpt-2"),
        kv_array("tokenizer.ggml.tokens", 8, tokens), kv_array("tokenizer.ggml.token_type", 5, types),
        kv_array("tokenizer.ggml.merges", 8, []),
        kv("tokenizer.ggml.bos_token_id", 4, 257), kv("tokenizer.ggml.eos_token_id", 4, 258),
        kv("tokenizer.ggml.add_bos_token", 7, False),
        kv("tokenizer.chat_template", 8, "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}"
                                         "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"),
    ]
    # (name, ne0 = input width, ne1 = rows, type)
    d, ff, kvd = s["n_embd"], s["n_ff"], s["n_head_kv"] * hd
    tensors = [("token_embd.weight", d, s["n_vocab"], a.type), ("output_norm.weight", d, 1, "F32")]
    for l in range(s["n_layer"]):
        p = f"blk.{l}."
        tensors += [(p + "attn_norm.weight", d, 1, "F32"), (p + "attn_q.weight", d, d, a.type),
                    (p + "attn_k.weight", d, kvd, a.type), (p + "attn_v.weight", d, kvd, a.type),
                    (p + "attn_output.weight", d, d, a.type), (p + "ffn_norm.weight", d, 1, "F32"),
                    (p + "ffn_gate.weight", d, ff, a.type), (p + "ffn_up.weight", d, ff, a.type),
                    (p + "ffn_down.weight", ff, d, a.type)]
    blobs, infos, offset = [], [], 0
    for name, ne0, ne1, t in tensors:
        if t == "F32":
            w = np.ones((ne1, ne0), dtype=np.float32)
        else:
            w = rng.standard_normal((ne1, ne0), dtype=np.float32) * 0.02
        data = quantize(t, w)
        dims = [ne0] if ne1 == 1 else [ne0, ne1]
        infos.append(gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", x) for x in dims)
                     + struct.pack("<IQ", GGML[t], offset))
        blobs.append(data)
        offset += len(data)
        pad = (-offset) % ALIGN
        blobs.append(b"\0" * pad)
        offset += pad
    with open(a.out, "wb") as f:
        f.write(b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(meta)))
        for m in meta:
            f.write(m)
        for i in infos:
            f.write(i)
        f.write(b"\0" * ((-f.tell()) % ALIGN))
        for b in blobs:
            f.write(b)
    n = sum(ne0 * ne1 for _, ne0, ne1, _ in tensors)
    print(f"{a.out}: {a.shape} {a.type}, {n / 1e9:.3f} B parameters", file=sys.stderr)


if __name__ == "__main__":
    main()
