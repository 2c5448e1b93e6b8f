"""A scripted session of the official `openai` client against `rayctl inference serve` (run.sh
starts it with the real SmolLM2-135M-Instruct Q4_1 and an API key). Every check reads the
client's parsed objects, the way an application would; a failed assert exits non-zero.
usage: client_test.py BASE_URL API_KEY"""
import json
import math
import sys

import jsonschema
import openai

url, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=url + "/v1", api_key=key, max_retries=0, timeout=120)
MODEL = "smollm2"
MSG = [{"role": "user", "content": "Name three colours."}]
checks = 0


def check(cond, what):
    global checks
    if not cond:
        sys.exit(f"FAILED: {what}")
    checks += 1


# Models.
ids = [m.id for m in client.models.list().data]
check(ids == [MODEL], f"models.list: {ids}")

# Chat, whole.
r = client.chat.completions.create(model=MODEL, messages=MSG, max_tokens=24, temperature=0)
c = r.choices[0]
check(isinstance(c.message.content, str) and c.message.content.strip(), "chat: content")
check(c.message.role == "assistant" and c.finish_reason in ("stop", "length"), f"chat: {c.finish_reason}")
check(r.usage.prompt_tokens > 0 and r.usage.completion_tokens > 0, "chat: usage")
check(r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens, "chat: usage total")
greedy_text = c.message.content

# max_completion_tokens (the current OpenAI name).
r = client.chat.completions.create(model=MODEL, messages=MSG, max_completion_tokens=5, temperature=0)
check(r.usage.completion_tokens == 5 and r.choices[0].finish_reason == "length", "max_completion_tokens")

# Completions.
r = client.completions.create(model=MODEL, prompt="The capital of France is", max_tokens=8, temperature=0)
check(isinstance(r.choices[0].text, str) and len(r.choices[0].text) > 0, "completions: text")

# Streaming chat with usage: the deltas add up to the greedy answer.
parts, usage, finish = [], None, None
for chunk in client.chat.completions.create(model=MODEL, messages=MSG, max_tokens=24, temperature=0, stream=True,
                                            stream_options={"include_usage": True}):
    if chunk.usage:
        usage = chunk.usage
    for ch in chunk.choices:
        if ch.delta.content:
            parts.append(ch.delta.content)
        if ch.finish_reason:
            finish = ch.finish_reason
check("".join(parts) == greedy_text, f"stream: {''.join(parts)!r} vs {greedy_text!r}")
check(finish in ("stop", "length") and usage and usage.completion_tokens > 0, "stream: finish and usage")

# n choices, seeded: indices 0..n-1, reproducible.
def three():
    r = client.chat.completions.create(model=MODEL, messages=MSG, max_tokens=12, temperature=1.0, n=3, seed=11)
    return [(ch.index, ch.message.content) for ch in r.choices]
a, b = three(), three()
check([i for i, _ in a] == [0, 1, 2], f"n: indices {a}")
check(a == b, "seed: the same seeded request gives the same choices")
check(len({t for _, t in a}) > 1, "n: the choices are separate draws")

# Streamed n: every chunk names its choice.
seen = {0: "", 1: ""}
for chunk in client.completions.create(model=MODEL, prompt="Once upon a time", max_tokens=6, n=2, stream=True,
                                       temperature=1.0, seed=3):
    for ch in chunk.choices:
        seen[ch.index] += ch.text
check(all(seen.values()), f"stream n: {seen}")

# Chat logprobs: greedy picks the most likely token, so its logprob is the best of the top.
r = client.chat.completions.create(model=MODEL, messages=MSG, max_tokens=8, temperature=0, logprobs=True,
                                   top_logprobs=3)
content = r.choices[0].logprobs.content
check(len(content) == r.usage.completion_tokens, "chat logprobs: one per token")
for t in content:
    check(t.logprob <= 0 and len(t.top_logprobs) == 3, "chat logprobs: shape")
    check(abs(t.logprob - t.top_logprobs[0].logprob) < 1e-4, f"greedy: chosen {t.logprob} vs best {t.top_logprobs[0]}")
    check(bytes(t.bytes).decode("utf-8", "replace") == t.token, "chat logprobs: bytes")
    check(sum(math.exp(x.logprob) for x in t.top_logprobs) <= 1.0 + 1e-4, "chat logprobs: a distribution")

# Completions logprobs.
r = client.completions.create(model=MODEL, prompt="One, two, three,", max_tokens=5, temperature=0, logprobs=2)
lp = r.choices[0].logprobs
check(len(lp.tokens) == len(lp.token_logprobs) == len(lp.top_logprobs) == 5, "completions logprobs: lengths")
check(all(len(t) == 2 for t in lp.top_logprobs), "completions logprobs: 2 alternatives")
check(lp.text_offset == sorted(lp.text_offset), "completions logprobs: offsets grow")

# echo with logprobs: the prompt's tokens come first, the first without a logprob.
r = client.completions.create(model=MODEL, prompt="One, two, three,", max_tokens=3, temperature=0, logprobs=2,
                              echo=True)
lp = r.choices[0].logprobs
check(r.choices[0].text.startswith("One, two, three,"), "echo: the prompt first")
check(len(lp.tokens) == r.usage.prompt_tokens + 3 and lp.token_logprobs[0] is None, f"echo logprobs: {lp.tokens}")
check(all(x <= 0 for x in lp.token_logprobs[1:]), "echo logprobs: values")
check("".join(lp.tokens) == r.choices[0].text, "echo logprobs: the tokens spell the text")

# logit_bias: +100 on one token makes greedy pick it every time.
tok = client.post("/../tokenize", body={"prompt": " blue"}, cast_to=object)["tokens"][0]
r = client.completions.create(model=MODEL, prompt="Hello", max_tokens=3, temperature=0, logit_bias={str(tok): 100},
                              logprobs=0)
check(all(t == " blue" for t in r.choices[0].logprobs.tokens), f"logit_bias: {r.choices[0].logprobs.tokens}")

# Structured output: 20 samples (temperature 1) for each of 10 schemas; every one parses and
# validates with jsonschema. Then json_object.
SCHEMAS = [
    {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}, "age": {"type": "integer"}},
     "required": ["name", "age"], "additionalProperties": False},
    {"type": "object", "properties": {"city": {"type": "string", "maxLength": 30},
                                      "population": {"type": "number"}}, "required": ["city", "population"]},
    {"type": "object", "properties": {"colour": {"enum": ["red", "green", "blue"]}}, "required": ["colour"]},
    {"type": "object", "properties": {"tags": {"type": "array", "items": {"type": "string", "maxLength": 12},
                                               "minItems": 1, "maxItems": 4}}, "required": ["tags"]},
    {"type": "object", "properties": {"point": {"type": "object", "properties": {"x": {"type": "number"},
                                                                               "y": {"type": "number"}},
                                                "required": ["x", "y"]}}, "required": ["point"]},
    {"type": "object", "properties": {"ok": {"type": "boolean"}, "reason": {"type": ["string", "null"],
                                                                          "maxLength": 40}},
     "required": ["ok", "reason"]},
    {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 5},
    {"type": "object", "properties": {"quote": {"type": "string", "minLength": 3, "maxLength": 60},
                                      "author": {"type": "string", "maxLength": 30}}, "required": ["quote"]},
    {"type": "object", "properties": {"items": {"type": "array", "maxItems": 3, "items": {
        "type": "object", "properties": {"sku": {"type": "string", "maxLength": 8}, "qty": {"type": "integer"}},
        "required": ["sku", "qty"]}}}, "required": ["items"]},
    {"type": "object", "properties": {"version": {"const": "1.0"}, "level": {"enum": [1, 2, 3]},
                                      "note": {"type": "string", "maxLength": 16}},
     "required": ["version", "level", "note"]},
]
samples = 0
for i, schema in enumerate(SCHEMAS):
    r = client.chat.completions.create(
        model=MODEL, messages=[{"role": "user", "content": "Reply with JSON about a famous person."}],
        max_tokens=300, temperature=1.0, seed=i, n=20,
        response_format={"type": "json_schema", "json_schema": {"name": f"s{i}", "schema": schema, "strict": True}})
    for ch in r.choices:
        check(ch.finish_reason == "stop", f"schema {i}: finish {ch.finish_reason}: {ch.message.content!r}")
        value = json.loads(ch.message.content)
        jsonschema.validate(value, schema)
        samples += 1
check(samples == 200, f"{samples} structured samples")
r = client.chat.completions.create(model=MODEL, messages=MSG, max_tokens=1000, temperature=0.7, seed=1,
                                   response_format={"type": "json_object"})
check(r.choices[0].finish_reason == "stop", f"json_object: {r.choices[0].finish_reason}: {r.choices[0].message.content!r}")
check(isinstance(json.loads(r.choices[0].message.content), dict), "json_object: an object")

# What is refused says so with a 400 (never accepted and ignored).
for kwargs, what in [({"response_format": {"type": "json_schema", "json_schema": {
                          "name": "p", "schema": {"type": "string", "pattern": "a+"}}}}, "pattern"),
                     ({"tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]},
                      "tools"),
                     ({"n": 2, "extra_body": {"best_of": 3}}, "best_of")]:
    try:
        client.chat.completions.create(model=MODEL, messages=MSG, max_tokens=2, **kwargs)
        check(False, f"{what} was accepted")
    except openai.BadRequestError as e:
        check(e.status_code == 400 and what in str(e), f"{what}: {e}")

# Tools, on the tiny Qwen2 with Qwen2.5's template (run.sh's second server): a named function and
# "required" come back as tool_calls whose arguments validate against the tool's parameters.
tools_client = openai.OpenAI(base_url=sys.argv[3] + "/v1", api_key="none", max_retries=0, timeout=120)
WEATHER = {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12}, "days": {"type": "integer"}},
           "required": ["city", "days"]}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather", "parameters": WEATHER}},
         {"type": "function", "function": {"name": "get_time", "parameters": {
             "type": "object", "properties": {"zone": {"type": "string", "maxLength": 8}}, "required": ["zone"]}}}]
ASK = [{"role": "user", "content": "What is the weather in Paris?"}]
for seed in range(5):
    r = tools_client.chat.completions.create(model="tiny-qwen", messages=ASK, tools=TOOLS, max_tokens=200, seed=seed,
                                             tool_choice={"type": "function", "function": {"name": "get_weather"}})
    ch = r.choices[0]
    check(ch.finish_reason == "tool_calls" and ch.message.tool_calls, f"named tool: {ch}")
    call = ch.message.tool_calls[0]
    check(call.type == "function" and call.function.name == "get_weather" and call.id.startswith("call_"), f"{call}")
    jsonschema.validate(json.loads(call.function.arguments), WEATHER)
names, finish = [], None
for chunk in tools_client.chat.completions.create(model="tiny-qwen", messages=ASK, tools=TOOLS, max_tokens=200,
                                                  seed=9, tool_choice="required", stream=True):
    for ch in chunk.choices:
        for tc in ch.delta.tool_calls or []:
            names.append(tc.function.name)
            json.loads(tc.function.arguments)
        finish = ch.finish_reason or finish
check(finish == "tool_calls" and len(names) == 1 and names[0] in ("get_weather", "get_time"), f"required: {names}")
history = ASK + [{"role": "assistant", "content": None, "tool_calls": [
    {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city":"Paris","days":1}'}}]},
                 {"role": "tool", "tool_call_id": "call_1", "content": "sunny, 21 C"}]
r = tools_client.chat.completions.create(model="tiny-qwen", messages=history, tools=TOOLS, max_tokens=8)
check(r.choices[0].finish_reason in ("stop", "length", "tool_calls"), "role tool: answered")

# A wrong key is a 401 the client maps to AuthenticationError.
try:
    openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0).models.list()
    check(False, "a wrong key was accepted")
except openai.AuthenticationError:
    checks += 1

print(f"openai {openai.__version__}: {checks} checks passed")
