#!/usr/bin/env python3
"""Attack suite against the real `rayctl inference serve` (issue #12): one server on 127.0.0.1,
started under `ulimit -n 256`, then in turn
  1. a pipelining flood: one POST and 20,000 GET /health in a single write;
  2. deep JSON: a chat request nested 200,000 levels deep (must be a 400 naming the field);
  3. 300 slow clients each holding a half-sent request head ("GET /he");
  4. request-smuggling forms: duplicate and conflicting Content-Length, whitespace before the
     colon, Transfer-Encoding with Content-Length, obs-fold (each must be a 400 or 411).
During and after each: the server process is alive and /health answers 200 within 1 s; after
each, a normal chat request completes. Bounded (fixed counts, socket timeouts, a deadline);
127.0.0.1 only; Python stdlib only.

usage: attack.py RAYCTL_BINARY MODEL_GGUF [--deadline 300]
Exit status: 0 pass, 1 fail.
"""
import argparse
import json
import os
import re
import resource
import socket
import subprocess
import sys
import threading
import time

HOST = "127.0.0.1"


class Failure(Exception):
    pass


def log(*a):
    print(f"[{time.strftime('%H:%M:%S')}]", *a, flush=True)


def exchange(port, data, timeout=10.0):
    """Sends raw bytes on a new connection; returns everything read until EOF or timeout."""
    s = socket.create_connection((HOST, port), timeout=timeout)
    try:
        s.sendall(data)
        got = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            got += chunk
        return got
    finally:
        s.close()


def status(reply):
    m = re.match(rb"HTTP/1\.1 (\d{3}) ", reply)
    return int(m.group(1)) if m else 0


def health_fast(port, server, what):
    if server.poll() is not None:
        raise Failure(f"{what}: the server exited with {server.returncode}")
    t0 = time.monotonic()
    reply = exchange(port, b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", timeout=2)
    took = time.monotonic() - t0
    if status(reply) != 200 or took >= 1.0:
        raise Failure(f"{what}: /health {status(reply)} after {took:.2f} s")
    return took


def chat_completes(port, what):
    body = json.dumps({"messages": [{"role": "user", "content": "Say hi"}], "max_tokens": 4}).encode()
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    reply = exchange(port, head + body, timeout=60)
    if status(reply) != 200 or b'"finish_reason"' not in reply:
        raise Failure(f"after {what}: chat request got {reply[:200]!r}")


def watch_health(port, server, stop, errors, what):
    """Asks /health every 200 ms while an attack runs."""
    while not stop.is_set():
        try:
            health_fast(port, server, f"during {what}")
        except (Failure, OSError) as e:
            errors.append(str(e))
            return
        stop.wait(0.2)


def during(port, server, what, attack):
    stop, errors = threading.Event(), []
    t = threading.Thread(target=watch_health, args=(port, server, stop, errors, what))
    t.start()
    try:
        attack()
    finally:
        stop.set()
        t.join()
    if errors:
        raise Failure(errors[0])
    took = health_fast(port, server, f"after {what}")
    chat_completes(port, what)
    log(f"{what}: ok (/health {took * 1000:.0f} ms afterwards, chat completed)")


def pipelining_flood(port):
    n = 20000
    flood = b"POST /tokenize HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}" + b"GET /health HTTP/1.1\r\n\r\n" * n
    flood += b"GET /health HTTP/1.1\r\nConnection: close\r\n\r\n"
    reply = exchange(port, flood, timeout=30)
    got = reply.count(b"HTTP/1.1 200 OK")
    if got != n + 1:
        raise Failure(f"pipelining flood: {got} of {n + 1} /health answers")


def deep_json(port):
    depth = 200000
    body = b'{"messages": [{"role": "user", "content": "hi", "x": ' + b"[" * depth + b"]" * depth + b"}]}"
    head = (f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    reply = exchange(port, head + body, timeout=10)
    if status(reply) != 400 or b'"param":"messages"' not in reply:
        raise Failure(f"deep JSON: {reply[:300]!r}")


def slow_clients(port):
    socks = []
    try:
        for _ in range(300):
            s = socket.create_connection((HOST, port), timeout=5)
            s.sendall(b"GET /he")
            socks.append(s)
        time.sleep(3)  # the watcher asks /health meanwhile
    finally:
        for s in socks:
            s.close()


SMUGGLING = [
    b"POST /v1/completions HTTP/1.1\r\nContent-Length: 0\r\nContent-Length: 26\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
    b"POST /v1/completions HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    b"POST /v1/completions HTTP/1.1\r\nContent-Length : 26\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
    b"POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
    b"POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    b"GET /health HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
]


def smuggling(port):
    for req in SMUGGLING:
        reply = exchange(port, req, timeout=5)
        if status(reply) not in (400, 411) or b"smuggled" in reply:
            raise Failure(f"smuggling {req[:60]!r}: {reply[:200]!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("model")
    ap.add_argument("--deadline", type=float, default=300)
    a = ap.parse_args()
    timer = threading.Timer(a.deadline, lambda: (log(f"FAIL: deadline of {a.deadline:.0f} s passed"), os._exit(1)))
    timer.daemon = True
    timer.start()

    def low_fd_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    server = subprocess.Popen([a.binary, "inference", "serve", "--model", a.model, "--port", "0", "--ctx", "256",
                               "--parallel", "2"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              preexec_fn=low_fd_limit)
    try:
        port = 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = server.stdout.readline().decode()
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            port = int(m.group(1)) if m else port
            if line.startswith("serving"):
                break
            if not line and server.poll() is not None:
                raise Failure(f"the server exited with {server.returncode} before it was ready")
        threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
        log(f"server ready on port {port} (RLIMIT_NOFILE 256)")
        for what, attack in [("pipelining flood", pipelining_flood), ("deep JSON", deep_json),
                             ("300 slow clients", slow_clients), ("smuggling forms", smuggling)]:
            during(port, server, what, lambda attack=attack: attack(port))
        log("PASS")
        return 0
    except (Failure, OSError) as e:
        log(f"FAIL: {e}")
        return 1
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    sys.exit(main())
