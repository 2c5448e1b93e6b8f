#!/usr/bin/env python3
"""TTFT of a request whose ~1,000-token system prompt the worker has seen before (warm: its KV
blocks come from the prefix cache) vs one it has not (cold: a new prefix of the same length),
at concurrency 1 and 8, in one run of one server (issue 17). Python stdlib only; loopback only.

  python3 bench/inference/prefix_cache.py RAYCTL MODEL [ROUNDS]

Each round at concurrency C sends C streaming chat requests at once, each with its own
question after the shared prefix; TTFT = time to the first content chunk. Prints a JSON summary
(medians per case) on stdout."""
import concurrent.futures as cf
import http.client
import json
import random
import statistics
import subprocess
import sys
import time

rayctl, model = sys.argv[1], sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
words = "the of and to in is was for on with as by at from that this which river mountain city garden".split()


def prefix(seed):
    rng = random.Random(seed)
    return "You are a helpful assistant. Background notes: " + " ".join(rng.choice(words) for _ in range(990))


def ttft(port, system, question):
    body = json.dumps({"messages": [{"role": "system", "content": system}, {"role": "user", "content": question}],
                       "max_tokens": 2, "temperature": 0, "stream": True})
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    t0 = time.monotonic()
    c.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    r = c.getresponse()
    first = None
    for line in r:
        if line.startswith(b"data: ") and b'"content":"' in line and b'"content":""' not in line:
            first = time.monotonic() - t0
            break
    r.read()
    c.close()
    return first if first is not None else time.monotonic() - t0


def main():
    srv = subprocess.Popen([rayctl, "inference", "serve", "-m", model, "--port", "0", "--parallel", "8", "--ctx", "2048",
                            "--max-batch-tokens", "2048", "-o", "json"], stdout=subprocess.PIPE, text=True)
    try:
        info = json.loads(srv.stdout.readline())
        port = int(info["url"].rsplit(":", 1)[1])
        tokens = json.loads(_post(port, "/tokenize", {"prompt": prefix(0)}))["count"]
        results = {"prefix_tokens": tokens, "model": model}
        seed = 1000
        warm_prefix = prefix(0)
        ttft(port, warm_prefix, "prime the cache")
        for conc in (1, 8):
            cold, warm = [], []
            for rnd in range(rounds):
                with cf.ThreadPoolExecutor(conc) as ex:
                    seed += 1
                    cold += list(ex.map(lambda i: ttft(port, prefix(seed * 100 + i), f"question {rnd}.{i}?"),
                                        range(conc)))
                    warm += list(ex.map(lambda i: ttft(port, warm_prefix, f"question {rnd}.{i}?"), range(conc)))
            results[f"concurrency_{conc}"] = {"cold_ttft_s": statistics.median(cold),
                                              "warm_ttft_s": statistics.median(warm),
                                              "speedup": statistics.median(cold) / statistics.median(warm)}
        m = _get(port, "/metrics")
        for name in ("vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total"):
            line = next(l for l in m.splitlines() if l.startswith(name))
            results[name] = float(line.rsplit(" ", 1)[1])
        print(json.dumps(results, indent=1))
    finally:
        srv.terminate()
        srv.wait(30)


def _post(port, path, body):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    return c.getresponse().read()


def _get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", path)
    return c.getresponse().read().decode()


if __name__ == "__main__":
    main()
