"""Builds Hugging Face `tokenizers` objects from GGUF vocabularies, with the pre-tokenizer /
normalizer / post-processor pipeline the real HF tokenizer.json of each family carries:

  smollm    (SmolLM2):  Sequence[Digits(individual), ByteLevel(regex)]; specials in the vocab
  llama-bpe (Llama-3):  Split(Llama-3 regex) + ByteLevel(no regex); ignore_merges; BOS template
  qwen2     (Qwen2):    NFC normalizer; Split(Qwen2 regex) + ByteLevel(no regex)

The GGUF vocabularies themselves were produced by llama.cpp from the HF tokenizers, so tokens and
merge ranks are the real ones; this module only re-assembles them into tokenizer.json form.
"""
import json

from gguf import GGUFReader

GPT2_PAT = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
LLAMA3_PAT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN2_PAT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def read_gguf_vocab(path):
    r = GGUFReader(path)

    def strings(key):
        f = r.fields[key]
        return [bytes(f.parts[i]).decode("utf-8") for i in f.data]

    f = r.fields["tokenizer.ggml.token_type"]
    types = [int(f.parts[i][0]) for i in f.data]
    meta = {}
    for k in ("tokenizer.ggml.pre", "tokenizer.chat_template", "tokenizer.ggml.bos_token_id",
              "tokenizer.ggml.eos_token_id"):
        if k in r.fields:
            meta[k] = r.fields[k].contents()
    return strings("tokenizer.ggml.tokens"), types, strings("tokenizer.ggml.merges"), meta


def tokenizer_json(gguf_path):
    """Returns (tokenizer.json dict, metadata) for a GGUF vocabulary."""
    tokens, types, merges, meta = read_gguf_vocab(gguf_path)
    pre = meta["tokenizer.ggml.pre"]
    control = [i for i, t in enumerate(types) if t == 3]
    if pre == "smollm":
        vocab = {t: i for i, t in enumerate(tokens)}
    else:
        vocab = {t: i for i, t in enumerate(tokens) if types[i] == 1}
    added = [{"id": i, "content": tokens[i], "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i in control]
    model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
             "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
             "ignore_merges": pre == "llama-bpe", "vocab": vocab, "merges": merges}
    normalizer = None
    post = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
    if pre == "smollm":
        pre_tok = {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]}
    elif pre in ("llama-bpe", "qwen2"):
        pre_tok = {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": LLAMA3_PAT if pre == "llama-bpe" else QWEN2_PAT},
             "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": pre == "llama-bpe", "use_regex": False}]}
        if pre == "qwen2":
            normalizer = {"type": "NFC"}
            post = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
        else:
            bos = tokens[128000]
            post = {"type": "Sequence", "processors": [
                {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
                {"type": "TemplateProcessing",
                 "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                 "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                          {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                 "special_tokens": {bos: {"id": bos, "ids": [128000], "tokens": [bos]}}}]}
    else:
        raise SystemExit(f"unsupported pre-tokenizer {pre}")
    tj = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
          "normalizer": normalizer, "pre_tokenizer": pre_tok, "post_processor": post,
          "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
          "model": model}
    return tj, {"pre": pre, "tokens": tokens, "meta": meta}


def load(gguf_path):
    from tokenizers import Tokenizer
    tj, info = tokenizer_json(gguf_path)
    return Tokenizer.from_str(json.dumps(tj)), tj, info
