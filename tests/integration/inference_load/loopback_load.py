#!/usr/bin/env python3
"""Bounded loopback load test of `rayctl inference serve` on the real SmolLM2 GGUF.

One server on 127.0.0.1 (ephemeral port, small --ctx). Then:
  1. N concurrent streaming clients (default 200) released together by a barrier (/metrics
     must show all slots busy and at least N/2 requests waiting at some point). A third of
     them disconnect mid-stream: some right after the response headers (their request is still
     queued), some after the first or third content chunk (running), half of those with a
     reset (SO_LINGER 0) instead of a FIN. The others read to the end and every stream is
     checked: HTTP chunked framing, SSE `data:` events of JSON in the OpenAI chunk shape
     (chat.completion.chunk or text_completion), one finish_reason, usage when
     stream_options.include_usage was asked for, and a final `data: [DONE]`.
  2. While the load runs, bad requests (malformed JSON, known fields of the wrong type,
     prompts over the context) must get prompt 400s with OpenAI-shaped errors naming the field.
  3. After the load, /metrics must show nothing left behind: requests running / waiting 0,
     KV usage 0, KV blocks used 0, every accepted request counted exactly once in
     vllm:request_success_total, no error finishes, open HTTP connections back to 1.
  4. The server still answers (/health, one more stream) and exits 0 on SIGTERM.

Bounded: a fixed number of requests, small max_tokens, socket timeouts and one overall
deadline; it stops by itself. Traffic goes to 127.0.0.1 only. Python stdlib only.

usage: loopback_load.py RAYCTL_BINARY MODEL_GGUF [--clients 200] [--deadline 600]
Exit status: 0 pass, 1 fail, 77 skip (no model).
"""
import argparse
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"
CTX = 256
MAX_TOKENS = (8, 16)
FINISH_REASONS = ("stop", "length")


class Failure(Exception):
    pass


def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, flush=True)


# ----------------------------------------------------------------------------- HTTP client
class Http:
    """A raw HTTP/1.1 client on one socket: sends a request, reads the head, then the body
    (Content-Length or chunked), checking the framing byte by byte."""

    def __init__(self, port, timeout):
        self.sock = socket.create_connection((HOST, port), timeout=timeout)
        self.buf = b""

    def send(self, method, path, body=None, raw_body=None, headers=None):
        data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else b"")
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
        if data or method == "POST":
            head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        for k, v in (headers or {}).items():
            head += f"{k}: {v}\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Failure("connection closed early")
        self.buf += chunk

    def _take_until(self, sep):
        while sep not in self.buf:
            self._fill()
        i = self.buf.index(sep)
        out, self.buf = self.buf[:i], self.buf[i + len(sep):]
        return out

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_head(self):
        head = self._take_until(b"\r\n\r\n").decode("latin-1")
        lines = head.split("\r\n")
        m = re.match(r"HTTP/1\.1 (\d{3}) ", lines[0] + " ")
        if not m:
            raise Failure(f"bad status line {lines[0]!r}")
        hdrs = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            hdrs[k.strip().lower()] = v.strip()
        return int(m.group(1)), hdrs

    def iter_body(self, hdrs):
        """Yields body pieces; for chunked bodies, one per chunk, checking the framing."""
        if hdrs.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size_line = self._take_until(b"\r\n").decode("latin-1")
                if not re.fullmatch(r"[0-9a-fA-F]+", size_line):
                    raise Failure(f"bad chunk size line {size_line!r}")
                n = int(size_line, 16)
                if n == 0:
                    if self._take(2) != b"\r\n":
                        raise Failure("last chunk not followed by CRLF")
                    return
                data = self._take(n)
                if self._take(2) != b"\r\n":
                    raise Failure("chunk data not followed by CRLF")
                yield data
        elif "content-length" in hdrs:
            yield self._take(int(hdrs["content-length"]))
        else:
            raise Failure(f"response has neither Content-Length nor chunked encoding: {hdrs}")

    def close(self, reset=False):
        try:
            if reset:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.sock.close()
        except OSError:
            pass


def request(port, method, path, body=None, raw_body=None, timeout=60):
    """A whole request: returns (status, headers, body bytes)."""
    c = Http(port, timeout)
    try:
        c.send(method, path, body, raw_body)
        status, hdrs = c.read_head()
        data = b"".join(c.iter_body(hdrs))
        return status, hdrs, data
    finally:
        c.close()


# ----------------------------------------------------------------------------- SSE checks
def check_stream(events, chat, include_usage, max_tokens, model_id):
    """Checks one complete SSE stream (list of event payload strings). Returns the text."""
    if not events or events[-1] != "[DONE]":
        raise Failure(f"stream does not end with [DONE]: last {events[-1:]!r}")
    if "[DONE]" in events[:-1]:
        raise Failure("[DONE] before the end of the stream")
    chunks = []
    for e in events[:-1]:
        try:
            chunks.append(json.loads(e))
        except ValueError as ex:
            raise Failure(f"event is not JSON ({ex}): {e[:200]!r}")
    want_object = "chat.completion.chunk" if chat else "text_completion"
    ids = set()
    finish, usage, text = None, None, ""
    for i, c in enumerate(chunks):
        if "error" in c:
            raise Failure(f"error event in stream: {c}")
        for k in ("id", "object", "created", "model", "choices"):
            if k not in c:
                raise Failure(f"chunk {i} lacks {k!r}: {c}")
        ids.add(c["id"])
        if c["object"] != want_object or c["model"] != model_id or not isinstance(c["created"], int):
            raise Failure(f"chunk {i} has the wrong object/model/created: {c}")
        if c.get("usage") is not None:
            if usage is not None or c["choices"] != []:
                raise Failure(f"usage chunk {i} is repeated or carries choices: {c}")
            usage = c["usage"]
            continue
        if usage is not None:
            raise Failure(f"chunk {i} follows the usage chunk: {c}")
        if not isinstance(c["choices"], list) or len(c["choices"]) != 1:
            raise Failure(f"chunk {i} must have one choice: {c}")
        ch = c["choices"][0]
        if ch.get("index") != 0 or "finish_reason" not in ch:
            raise Failure(f"chunk {i} choice lacks index 0 / finish_reason: {c}")
        if finish is not None:
            raise Failure(f"chunk {i} follows the finish_reason chunk: {c}")
        if chat:
            d = ch.get("delta")
            if not isinstance(d, dict):
                raise Failure(f"chunk {i} has no delta object: {c}")
            if i == 0 and d.get("role") != "assistant":
                raise Failure(f"first chat chunk must carry role assistant: {c}")
            if i > 0 and "role" in d:
                raise Failure(f"role repeated in chunk {i}: {c}")
            piece = d.get("content", "")
        else:
            piece = ch.get("text")
        if not isinstance(piece, str):
            raise Failure(f"chunk {i} content is not a string: {c}")
        text += piece
        if ch["finish_reason"] is not None:
            if ch["finish_reason"] not in FINISH_REASONS:
                raise Failure(f"finish_reason {ch['finish_reason']!r} in chunk {i}")
            finish = ch["finish_reason"]
    if len(ids) != 1:
        raise Failure(f"chunks carry {len(ids)} different ids")
    if finish is None:
        raise Failure("no chunk carries a finish_reason")
    if include_usage:
        if usage is None:
            raise Failure("include_usage was asked for but no usage chunk came")
        for k in ("prompt_tokens", "completion_tokens", "total_tokens"):
            if not isinstance(usage.get(k), int):
                raise Failure(f"usage.{k} is not an integer: {usage}")
        if usage["total_tokens"] != usage["prompt_tokens"] + usage["completion_tokens"]:
            raise Failure(f"usage does not add up: {usage}")
        if not 1 <= usage["completion_tokens"] <= max_tokens or usage["prompt_tokens"] < 1:
            raise Failure(f"usage out of range (max_tokens {max_tokens}): {usage}")
        if finish == "length" and usage["completion_tokens"] != max_tokens:
            raise Failure(f"finish_reason length but {usage['completion_tokens']} of {max_tokens} tokens")
    elif usage is not None:
        raise Failure("usage chunk without stream_options.include_usage")
    return text, finish


# ----------------------------------------------------------------------------- one client
PROMPTS = ["Say hi.", "Name a colour.", "What is 2+2?", "Give me one word.", "Count to three.",
           "Name a fruit.", "Is the sky blue?", "Say something short."]


def client_plan(i, n):
    """What client i does: endpoint, sampling, and when (if ever) it disconnects."""
    rnd = random.Random(i)
    chat = i % 10 != 9  # one in ten uses /v1/completions
    # A third disconnect: cycle through the disconnect points.
    disconnect = None
    if i % 3 == 1:
        disconnect = ("headers", "first_content", "third_content")[(i // 3) % 3]
    plan = {
        "i": i, "chat": chat, "disconnect": disconnect, "reset": (i // 9) % 2 == 1,
        "include_usage": i % 2 == 0, "max_tokens": rnd.randint(*MAX_TOKENS),
        "temperature": 0.0 if i % 4 == 0 else 0.8,
    }
    body = {"max_tokens": plan["max_tokens"], "stream": True, "temperature": plan["temperature"], "seed": i}
    if plan["include_usage"]:
        body["stream_options"] = {"include_usage": True}
    prompt = PROMPTS[i % len(PROMPTS)]
    if chat:
        body["messages"] = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": prompt}]
    else:
        body["prompt"] = "Q: " + prompt + "\nA:"
    plan["body"] = body
    return plan


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.completed = 0
        self.disconnected = 0
        self.finish = {"stop": 0, "length": 0}
        self.failures = []
        self.first_byte = []
        self.durations = []

    def fail(self, plan, msg):
        with self.lock:
            self.failures.append(f"client {plan['i']} ({'chat' if plan['chat'] else 'completions'}, "
                                 f"disconnect={plan['disconnect']}): {msg}")


def run_client(port, plan, model_id, barrier, results, timeout):
    try:
        barrier.wait(timeout=60)
    except threading.BrokenBarrierError:
        results.fail(plan, "barrier broken")
        return
    t0 = time.monotonic()
    c = None
    try:
        c = Http(port, timeout)
        c.send("POST", "/v1/chat/completions" if plan["chat"] else "/v1/completions", plan["body"])
        status, hdrs = c.read_head()
        if status != 200:
            raise Failure(f"HTTP {status}: {c.buf[:300]!r}")
        if not hdrs.get("content-type", "").startswith("text/event-stream"):
            raise Failure(f"content-type {hdrs.get('content-type')!r}")
        if plan["disconnect"] == "headers":
            c.close(plan["reset"])
            with results.lock:
                results.disconnected += 1
            return
        events, pending, content_chunks = [], b"", 0
        want = {"first_content": 1, "third_content": 3}.get(plan["disconnect"])
        first = None
        for piece in c.iter_body(hdrs):
            if first is None:
                first = time.monotonic() - t0
            pending += piece
            while b"\n\n" in pending:
                ev, pending = pending.split(b"\n\n", 1)
                line = ev.decode("utf-8")  # must be valid UTF-8
                if not line.startswith("data: ") or "\n" in line:
                    raise Failure(f"not a single-line SSE data event: {line[:200]!r}")
                payload = line[len("data: "):]
                events.append(payload)
                if want and payload != "[DONE]":
                    ch = json.loads(payload).get("choices") or [{}]
                    if (ch[0].get("delta") or {}).get("content") or ch[0].get("text"):
                        content_chunks += 1
                if want and content_chunks >= want:
                    c.close(plan["reset"])
                    with results.lock:
                        results.disconnected += 1
                    return
        if pending:
            raise Failure(f"bytes after the last event: {pending[:100]!r}")
        if c.buf:
            raise Failure(f"bytes after the last chunk: {c.buf[:100]!r}")
        _, finish = check_stream(events, plan["chat"], plan["include_usage"], plan["max_tokens"], model_id)
        with results.lock:
            results.completed += 1
            results.finish[finish] += 1
            results.first_byte.append(first or 0)
            results.durations.append(time.monotonic() - t0)
    except (Failure, OSError, ValueError) as e:
        results.fail(plan, f"{type(e).__name__}: {e}")
    finally:
        if c:
            c.close()


# ----------------------------------------------------------------------------- bad requests
def long_text(words):
    return " ".join(["elephant"] * words)


def bad_requests():
    """(path, raw body, expected param or None, message substring or None)."""
    chat = "/v1/chat/completions"
    msgs = [{"role": "user", "content": "hi"}]
    j = json.dumps
    return [
        (chat, b'{"messages": [', None, "not valid JSON"),
        (chat, b"", None, "not valid JSON"),
        (chat, b"[1, 2]", None, "JSON object"),
        (chat, j({"messages": 3}).encode(), "messages", "must be an array"),
        (chat, j({"messages": msgs, "max_tokens": "ten"}).encode(), "max_tokens", "integer"),
        (chat, j({"messages": msgs, "temperature": "hot"}).encode(), "temperature", "number"),
        (chat, j({"messages": msgs, "stream": "yes"}).encode(), "stream", "boolean"),
        (chat, j({"messages": msgs, "stream": True, "max_tokens": "ten"}).encode(), "max_tokens", "integer"),
        (chat, j({"messages": msgs, "stream": True, "stream_options": {"include_usage": "yes"}}).encode(),
         "stream_options.include_usage", "boolean"),
        (chat, j({"messages": msgs, "stop": 5}).encode(), "stop", None),
        (chat, j({"messages": msgs, "top_p": "x"}).encode(), "top_p", "number"),
        (chat, j({"messages": msgs, "seed": "abc"}).encode(), "seed", "integer"),
        (chat, j({"messages": ["hi"]}).encode(), "messages[0]", "object"),
        (chat, j({"messages": [{"role": "user", "content": 5}]}).encode(), "messages[0].content", None),
        (chat, j({"messages": msgs, "max_tokens": -1}).encode(), "max_tokens", None),
        (chat, j({"messages": [{"role": "user", "content": long_text(400)}], "stream": True}).encode(), "messages",
         "maximum context length"),
        (chat, j({"messages": msgs, "max_tokens": 5000}).encode(), "max_tokens", "maximum context length"),
        ("/v1/completions", j({"prompt": 3}).encode(), "prompt", None),
        ("/v1/completions", j({"prompt": list(range(10, 10 + CTX + 20))}).encode(), "prompt", "maximum context length"),
        ("/v1/completions", j({"prompt": long_text(400), "stream": True}).encode(), "prompt", "maximum context length"),
        ("/v1/completions", j({"prompt": "hi", "echo": "yes"}).encode(), "echo", "boolean"),
    ]


def check_bad_requests(port, timeout):
    failures, slowest = [], 0.0
    for path, raw, param, needle in bad_requests():
        t0 = time.monotonic()
        try:
            status, hdrs, data = request(port, "POST", path, raw_body=raw, timeout=timeout)
        except (Failure, OSError) as e:
            failures.append(f"{path} {raw[:60]!r}: {e}")
            continue
        slowest = max(slowest, time.monotonic() - t0)
        where = f"{path} {raw[:70]!r}"
        if status != 400:
            failures.append(f"{where}: HTTP {status}, want 400: {data[:200]!r}")
            continue
        if not hdrs.get("content-type", "").startswith("application/json"):
            failures.append(f"{where}: content-type {hdrs.get('content-type')!r}")
            continue
        try:
            err = json.loads(data)["error"]
        except (ValueError, KeyError, TypeError):
            failures.append(f"{where}: body is not an OpenAI error: {data[:200]!r}")
            continue
        if not isinstance(err.get("message"), str) or err.get("type") != "invalid_request_error" or \
                err.get("code") not in (400, "400") or "param" not in err:
            failures.append(f"{where}: error object is not OpenAI-shaped: {err}")
        if err.get("param") != param:
            failures.append(f"{where}: param {err.get('param')!r}, want {param!r} ({err.get('message')})")
        if needle and needle not in err.get("message", ""):
            failures.append(f"{where}: message {err.get('message')!r} lacks {needle!r}")
    return failures, slowest


# ----------------------------------------------------------------------------- metrics
def scrape(port):
    status, _, data = request(port, "GET", "/metrics", timeout=30)
    if status != 200:
        raise Failure(f"/metrics HTTP {status}")
    out = {}
    for line in data.decode().splitlines():
        if not line or line.startswith("#"):
            continue
        name_labels, _, value = line.rpartition(" ")
        name = name_labels.split("{", 1)[0]
        m = re.search(r'finished_reason="(\w+)"', name_labels)
        key = f"{name}:{m.group(1)}" if m else name
        out[key] = out.get(key, 0.0) + float(value)
    return out


def successes(m):
    return {r: m.get(f"vllm:request_success_total:{r}", 0.0) for r in ("stop", "length", "abort", "error")}


def wait_idle(port, deadline):
    """Polls /metrics until nothing runs, waits or holds KV; returns the last scrape."""
    while True:
        m = scrape(port)
        idle = (m.get("vllm:num_requests_running") == 0 and m.get("vllm:num_requests_waiting") == 0 and
                m.get("vllm:kv_cache_usage_perc") == 0 and m.get("rayctl:kv_cache_blocks_used") == 0)
        if idle or time.monotonic() > deadline:
            return m, idle
        time.sleep(0.5)


# ----------------------------------------------------------------------------- server
def start_server(binary, model, parallel, max_queued, deadline, device="cpu"):
    cmd = [binary, "inference", "serve", "--model", model, "--host", HOST, "--port", "0", "--ctx", str(CTX),
           "--parallel", str(parallel), "--max-queued", str(max_queued), "--model-name", "smollm2-load",
           "--device", device]
    log("starting:", " ".join(cmd))
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    port, lines = None, []
    while port is None:
        if time.monotonic() > deadline:
            proc.kill()
            raise Failure("server did not report ready before the deadline:\n" + "".join(lines))
        line = proc.stdout.readline()
        if not line:
            raise Failure(f"server exited with {proc.wait()} before serving:\n" + "".join(lines))
        lines.append(line)
        m = re.search(r"serving \S+ at http://127\.0\.0\.1:(\d+)", line)
        if m:
            port = int(m.group(1))
    log(lines[-1].strip())
    # Keep draining the server's output so that it never blocks on a full pipe.
    tail = []
    threading.Thread(target=lambda: [tail.append(ln) for ln in proc.stdout], daemon=True).start()
    return proc, port, tail


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("model")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--device", default="cpu", help="the worker's --device (cuda on a GPU machine)")
    ap.add_argument("--deadline", type=float, default=600, help="seconds for the whole test")
    a = ap.parse_args()
    if not os.path.exists(a.model):
        print(f"SKIP: model {a.model} not found (scripts/fetch-model.sh)")
        return 77
    t_start = time.monotonic()
    deadline = t_start + a.deadline
    # --max-queued above the client count: all of them are queued, none refused (503).
    proc, port, tail = start_server(a.binary, a.model, a.parallel, a.clients + 56, deadline, a.device)
    failures = []
    try:
        status, _, body = request(port, "GET", "/health")
        if status != 200:
            raise Failure(f"/health HTTP {status}: {body!r}")
        before = successes(scrape(port))

        # 1 + 2: the load, with bad requests in the middle of it.
        results = Results()
        barrier = threading.Barrier(a.clients)
        sock_timeout = max(30.0, deadline - time.monotonic() - 60)
        plans = [client_plan(i, a.clients) for i in range(a.clients)]
        threads = [threading.Thread(target=run_client, args=(port, p, "smollm2-load", barrier, results, sock_timeout),
                                    daemon=True) for p in plans]
        # The peaks show that the requests really were concurrent (queued beyond the slots), not
        # served one after another. They are sampled from the start of the load, ten times a
        # second: on a fast machine the whole load can be over in a few seconds.
        peaks = {"running": 0.0, "waiting": 0.0}

        def sample_peaks():
            while any(t.is_alive() for t in threads) and time.monotonic() < deadline - 60:
                try:
                    m = scrape(port)
                except (OSError, Failure):
                    time.sleep(0.1)
                    continue
                peaks["running"] = max(peaks["running"], m.get("vllm:num_requests_running", 0))
                peaks["waiting"] = max(peaks["waiting"], m.get("vllm:num_requests_waiting", 0))
                time.sleep(0.1)

        sampler = threading.Thread(target=sample_peaks, daemon=True)
        t_load = time.monotonic()
        for t in threads:
            t.start()
        sampler.start()
        time.sleep(2)
        bad_failures, slowest_bad = check_bad_requests(port, timeout=60)
        failures += bad_failures
        log(f"{len(bad_requests())} bad requests during the load: {len(bad_failures)} failures, "
            f"slowest answer {slowest_bad:.2f}s")
        if slowest_bad > 15:
            failures.append(f"a bad request took {slowest_bad:.1f}s to be refused while the engine was busy")
        while any(t.is_alive() for t in threads) and time.monotonic() < deadline - 60:
            time.sleep(0.2)
        sampler.join(timeout=60)
        peak_running, peak_waiting = peaks["running"], peaks["waiting"]
        hung = sum(t.is_alive() for t in threads)
        load_s = time.monotonic() - t_load
        n_disc = sum(1 for p in plans if p["disconnect"])
        log(f"load: {a.clients} clients in {load_s:.1f}s: {results.completed} completed "
            f"(stop {results.finish['stop']}, length {results.finish['length']}), {results.disconnected} "
            f"disconnected on purpose (of {n_disc} planned), {len(results.failures)} failed, {hung} still running")
        if results.durations:
            d = sorted(results.durations)
            log(f"completed streams: first SSE chunk median {sorted(results.first_byte)[len(d) // 2]:.2f}s, "
                f"duration median {d[len(d) // 2]:.1f}s, max {d[-1]:.1f}s")
        log(f"peaks during the load: {peak_running:.0f} running (--parallel {a.parallel}), {peak_waiting:.0f} waiting")
        if peak_running != a.parallel or peak_waiting < a.clients // 2:
            failures.append(f"the load never filled the slots and the queue: peaks {peak_running} running, "
                            f"{peak_waiting} waiting")
        failures += results.failures[:20]
        if hung:
            failures.append(f"{hung} clients still running at the deadline")
        # A planned disconnect can meet a stream that ends first (EOS before its content chunk):
        # it is read and checked to the end like the others.
        if results.completed + results.disconnected != a.clients or results.completed < a.clients - n_disc:
            failures.append(f"{results.completed} streams completed and {results.disconnected} disconnected, "
                            f"want {a.clients} in all, at least {a.clients - n_disc} completed")
        if proc.poll() is not None:
            raise Failure(f"the server died during the load (exit {proc.returncode})")

        # 3: nothing leaked.
        m, idle = wait_idle(port, min(deadline, time.monotonic() + 60))
        after = successes(m)
        delta = {k: round(after[k] - before[k]) for k in after}
        log(f"after the load: running {m.get('vllm:num_requests_running')}, waiting "
            f"{m.get('vllm:num_requests_waiting')}, kv usage {m.get('vllm:kv_cache_usage_perc')}, kv blocks used "
            f"{m.get('rayctl:kv_cache_blocks_used')} of {m.get('rayctl:kv_cache_blocks_total')}, finished {delta}, "
            f"open connections {m.get('rayctl:http_connections_open')}")
        if not idle:
            failures.append("requests or KV blocks still held after the load (see the line above)")
        if sum(delta.values()) != a.clients:
            failures.append(f"{sum(delta.values())} requests finished in the engine, want {a.clients}: {delta}")
        if delta["error"]:
            failures.append(f"{delta['error']} requests finished with an error")
        if delta["stop"] + delta["length"] < results.completed:
            failures.append(f"fewer stop/length finishes ({delta['stop'] + delta['length']}) than completed streams")
        if not 1 <= delta["abort"] <= n_disc:
            failures.append(f"{delta['abort']} aborted requests; want between 1 and the {n_disc} disconnecting clients")
        if m.get("rayctl:http_connections_open") != 1:  # the scrape itself
            failures.append(f"{m.get('rayctl:http_connections_open')} HTTP connections open after the load, want 1")

        # 4: still serving, then a clean exit.
        c = Http(port, 120)
        plan = client_plan(0, 1)
        c.send("POST", "/v1/chat/completions", plan["body"])
        status, hdrs = c.read_head()
        events = [e[len("data: "):] for e in b"".join(c.iter_body(hdrs)).decode().split("\n\n") if e]
        c.close()
        check_stream(events, True, plan["include_usage"], plan["max_tokens"], "smollm2-load")
        log("one more stream after the load: well-formed")
    except Failure as e:
        failures.append(str(e))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                rc = proc.wait(timeout=30)
                if rc != 0:
                    failures.append(f"server exited with {rc} on SIGTERM")
            except subprocess.TimeoutExpired:
                proc.kill()
                failures.append("server did not exit within 30 s of SIGTERM")
        else:
            failures.append(f"server exited on its own with {proc.returncode}")
    log(f"total {time.monotonic() - t_start:.1f}s")
    if failures:
        print("server output (tail):\n" + "".join(tail[-30:]))
        for f in failures:
            print("FAIL:", f)
        print(f"0 passed, {len(failures)} failed")
        return 1
    print("loopback_load: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
