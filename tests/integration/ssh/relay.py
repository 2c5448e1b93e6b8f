#!/usr/bin/env python3
"""A ProxyCommand for the rig tests: connects to HOST PORT and relays stdin/stdout to it, like
`nc HOST PORT` (not installed here). Appends "HOST PORT" to $RELAY_LOG so a test can see it ran."""
import os
import selectors
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
if os.environ.get("RELAY_LOG"):
    with open(os.environ["RELAY_LOG"], "a") as f:
        f.write(f"{host} {port}\n")
sock = socket.create_connection((host, port), timeout=10)
sock.settimeout(None)
sel = selectors.DefaultSelector()
sel.register(0, selectors.EVENT_READ, "in")
sel.register(sock, selectors.EVENT_READ, "sock")
while True:
    for key, _ in sel.select():
        if key.data == "in":
            data = os.read(0, 65536)
            if not data:
                sock.shutdown(socket.SHUT_WR)
                sel.unregister(0)
                continue
            sock.sendall(data)
        else:
            data = sock.recv(65536)
            if not data:
                sys.exit(0)
            os.write(1, data)
