#!/usr/bin/env python3
"""The rig's HTTP_PROXY for the KubeRay operator, forwarding to a real Ray head on loopback.

kwok pods have addresses nothing listens on. The operator sends its Ray dashboard requests
(head service :8265) and Serve proxy health checks (head pod :8000) through HTTP_PROXY; this
forwarder sends each one to 127.0.0.1 at the port mapped from the requested port, so the
operator talks to a real Ray head and a real Serve. It answers nothing itself: an unmapped
port gets 502. Plain HTTP only (what the operator uses); every request is logged.

The kube-apiserver's service proxy (services/NAME:PORT/proxy/..., rig.sh starts it with this
HTTP_PROXY too) sends its requests here with its own address as the host: Go's transport writes
the Host header into a proxied request line, and the service proxy keeps the client's. Its
X-Forwarded-Uri header still names the service port, so a mapping may also be keyed by port
name (dashboard=8275 serve=8075).

    ray_loopback_proxy.py LISTEN_PORT LOG_FILE 8265=8275 8000=8075 [dashboard=8275 serve=8075]
"""
import http.client
import re
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LISTEN, LOG = int(sys.argv[1]), sys.argv[2]
PORTS = {(int(a) if a.isdigit() else a): int(b) for a, b in (m.split("=") for m in sys.argv[3:])}
# /api/v1/namespaces/NS/services/[https:]NAME[:PORT]/proxy/...
SERVICE_PORT = re.compile(r"/services/(?:https?:)?[^/:]+:([^/:]+)(?::[^/]*)?/proxy(?:/|$)")
HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailers",
       "transfer-encoding", "upgrade"}


class Forward(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        with open(LOG, "a") as f:
            f.write("%s %s\n" % (self.log_date_time_string(), fmt % args))

    def forward(self):
        url = urllib.parse.urlsplit(self.path)
        target = PORTS.get(url.port or 80)
        via = SERVICE_PORT.search(self.headers.get("X-Forwarded-Uri", ""))
        if via:  # the API server's service proxy: the host is the API server's own address
            port = via.group(1)
            target = PORTS.get(int(port) if port.isdigit() else port)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not url.hostname or target is None:
            return self.reply(502, b"ray_loopback_proxy: no mapping for " + self.path.encode())
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP and k.lower() != "host"}
        conn = http.client.HTTPConnection("127.0.0.1", target, timeout=60)
        try:
            path = url.path + ("?" + url.query if url.query else "")
            conn.request(self.command, path or "/", body=body or None, headers=headers)
            r = conn.getresponse()
            data = r.read()
            self.send_response(r.status, r.reason)
            for k, v in r.getheaders():
                if k.lower() not in HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError as e:
            self.reply(502, ("ray_loopback_proxy: 127.0.0.1:%d: %s" % (target, e)).encode())
        finally:
            conn.close()

    def reply(self, status, text):
        self.send_response(status)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = forward


ThreadingHTTPServer(("127.0.0.1", LISTEN), Forward).serve_forever()
