#!/usr/bin/env python3
"""Writes rayctl's tokenizer and chat-template golden files from the Hugging Face reference.

  make_golden.py --smollm2-gguf PATH --out DIR

DIR receives tokenizer_strings.json, tokenizer_golden_{smollm2,llama-bpe,qwen2}.json,
chat_golden.json and templates/*.jinja (the ones taken from GGUF metadata, plus Llama-3's); the
fixture copies of those three templates in tests/fixtures/inference/templates/ are kept equal. Versions used are in
requirements.txt (tokenizers, transformers, gguf, jinja2). The live CI check
(tests/integration/inference_reference.cmake) reruns this into the build dir and runs rayctl's
unit tests against the fresh output.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hf_tokenizers  # noqa: E402
import test_strings  # noqa: E402

# Meta-Llama-3-8B-Instruct's chat template (tokenizer_config.json of the HF repo), transcribed.
LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather in a city",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "City name, e.g. Zürich"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}}, "required": ["city"]}}}]

CONVERSATIONS = [
    [{"role": "user", "content": "Hello!"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "What is 2+2?"}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
     {"role": "user", "content": "Tell me a joke."}],
    [{"role": "user", "content": "  padded content with spaces  \n\n"}, {"role": "assistant", "content": "\tok\t"}],
    [{"role": "system", "content": "Système: réponds en français 🇫🇷"}, {"role": "user", "content": "日本語で？\n改行も"}],
    [{"role": "user", "content": "Write code"}, {"role": "assistant", "content": "```python\nprint('hi')\n```"}],
]
TOOL_CONVERSATION = [
    {"role": "user", "content": "What's the weather in Paris?"},
    {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {
        "name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
    {"role": "tool", "name": "get_weather", "content": "{\"temperature\": 21}"},
]


def tokenizer_golden(name, tok, strings, rng):
    ids = [tok.encode(s, add_special_tokens=False).ids for s in strings]
    with_special = [{"text": s, "ids": tok.encode(s, add_special_tokens=True).ids} for s in strings[:40]]
    vocab = tok.get_vocab_size(with_added_tokens=True)
    decode = []
    for i in range(200):  # random id runs: split UTF-8 sequences, specials, long runs
        seq = [rng.randrange(vocab) for _ in range(rng.randint(1, 12))]
        if i % 3 == 0:
            seq = ids[i % len(ids)][: rng.randint(1, 8)] + seq[:2]
        decode.append({"ids": seq, "text": tok.decode(seq, skip_special_tokens=False),
                       "text_skip_special": tok.decode(seq, skip_special_tokens=True)})
    roundtrip = sum(tok.decode(i, skip_special_tokens=False) == s for i, s in zip(ids, strings))
    print(f"{name}: {len(strings)} strings, {sum(map(len, ids))} tokens, decode round-trips {roundtrip}")
    return {"tokenizer": name, "ids": ids, "with_special": with_special, "decode": decode}


def check_llama_cpp_vectors(name, tok, gguf_path):
    """llama.cpp ships HF-generated test vectors next to each vocab (.inp/.out)."""
    inp, out = gguf_path + ".inp", gguf_path + ".out"
    if not (os.path.exists(inp) and os.path.exists(out)):
        return
    texts = open(inp, encoding="utf-8").read().split("\n__ggml_vocab_test__\n")
    expected = open(out, encoding="utf-8").read().split("\n")
    bad = 0
    for t, e in zip(texts, expected):
        got = " ".join(str(i) for i in tok.encode(t, add_special_tokens=False).ids)
        bad += got.strip() != e.strip()
    print(f"{name}: llama.cpp HF vectors: {len(texts) - bad}/{len(texts)} match")


def chat_golden(templates):
    from transformers import PreTrainedTokenizerFast
    cases = []
    for name, (src, tok_obj, bos, eos, tools_ok) in templates.items():
        tok = PreTrainedTokenizerFast(tokenizer_object=tok_obj, bos_token=bos, eos_token=eos)
        convs = [(c, None) for c in CONVERSATIONS]
        if tools_ok:
            convs += [(CONVERSATIONS[0], TOOLS), (TOOL_CONVERSATION, TOOLS)]
        for msgs, tools in convs:
            for gen in (True, False):
                case = {"template": name, "messages": msgs, "add_generation_prompt": gen, "tools": tools,
                        "bos_token": bos, "eos_token": eos}
                try:
                    case["expected"] = tok.apply_chat_template(msgs, tools=tools, tokenize=False,
                                                               add_generation_prompt=gen, chat_template=src)
                except Exception as e:  # noqa: BLE001 - record template errors as expected errors
                    case["error"] = str(e)
                cases.append(case)
    print(f"chat: {len(cases)} renderings")
    return cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smollm2-gguf", required=True)
    ap.add_argument("--vocab-dir", required=True, help="folder with ggml-vocab-llama-bpe.gguf, ggml-vocab-qwen2.gguf")
    ap.add_argument("--template-dir", required=True, help="folder with the .jinja templates")
    ap.add_argument("--out", required=True)
    ap.add_argument("--write-tokenizer-json", action="store_true", help="also write tokenizer_<name>.json")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    strings = test_strings.corpus()
    with open(os.path.join(a.out, "tokenizer_strings.json"), "w", encoding="utf-8") as f:
        json.dump(strings, f, ensure_ascii=False, indent=0)
    rng = random.Random(7)
    sources = {"smollm2": a.smollm2_gguf,
               "llama-bpe": os.path.join(a.vocab_dir, "ggml-vocab-llama-bpe.gguf"),
               "qwen2": os.path.join(a.vocab_dir, "ggml-vocab-qwen2.gguf")}
    toks = {}
    for name, path in sources.items():
        tok, tj, info = hf_tokenizers.load(path)
        toks[name] = (tok, info)
        check_llama_cpp_vectors(name, tok, path)
        if a.write_tokenizer_json:
            with open(os.path.join(a.out, f"tokenizer_{name}.json"), "w", encoding="utf-8") as f:
                json.dump(tj, f, ensure_ascii=False)
        with open(os.path.join(a.out, f"tokenizer_golden_{name}.json"), "w", encoding="utf-8") as f:
            json.dump(tokenizer_golden(name, tok, strings, rng), f, ensure_ascii=False, separators=(",", ":"))

    def tmpl(file):
        return open(os.path.join(a.template_dir, file), encoding="utf-8").read()

    smol_src = toks["smollm2"][1]["meta"]["tokenizer.chat_template"]
    qwen2_src = toks["qwen2"][1]["meta"]["tokenizer.chat_template"]
    os.makedirs(os.path.join(a.out, "templates"), exist_ok=True)
    for file, src in (("SmolLM2-135M-Instruct.jinja", smol_src), ("Qwen2-Instruct.jinja", qwen2_src),
                      ("Meta-Llama-3-8B-Instruct.jinja", LLAMA3_TEMPLATE)):
        with open(os.path.join(a.out, "templates", file), "w", encoding="utf-8") as f:
            f.write(src)
    sm, ll, qw = toks["smollm2"][0], toks["llama-bpe"][0], toks["qwen2"][0]
    templates = {
        "SmolLM2-135M-Instruct.jinja": (smol_src, sm, "<|im_start|>", "<|im_end|>", False),
        "Meta-Llama-3-8B-Instruct.jinja": (LLAMA3_TEMPLATE, ll, "<|begin_of_text|>", "<|eot_id|>", False),
        "Qwen2-Instruct.jinja": (qwen2_src, qw, None, "<|im_end|>", False),
        "meta-llama-Llama-3.1-8B-Instruct.jinja": (tmpl("meta-llama-Llama-3.1-8B-Instruct.jinja"), ll,
                                                   "<|begin_of_text|>", "<|eot_id|>", True),
        "Qwen-Qwen2.5-7B-Instruct.jinja": (tmpl("Qwen-Qwen2.5-7B-Instruct.jinja"), qw, None, "<|im_end|>", True),
        "Qwen-Qwen3-0.6B.jinja": (tmpl("Qwen-Qwen3-0.6B.jinja"), qw, None, "<|im_end|>", True),
        "mistralai-Mistral-Nemo-Instruct-2407.jinja": (tmpl("mistralai-Mistral-Nemo-Instruct-2407.jinja"), ll,
                                                       "<s>", "</s>", True),
    }
    with open(os.path.join(a.out, "chat_golden.json"), "w", encoding="utf-8") as f:
        json.dump(chat_golden(templates), f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
