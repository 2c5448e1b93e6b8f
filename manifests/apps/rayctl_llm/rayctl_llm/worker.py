"""The `rayctl inference serve` child process of one Serve replica: started on a free loopback
port (the worker picks it with --port 0 and reports it on its ready line), watched, and ended
with the replica (SIGTERM to its process group, SIGKILL after a grace period; PR_SET_PDEATHSIG
so that it cannot outlive a replica process that dies without cleaning up)."""
import collections
import ctypes
import json
import os
import signal
import subprocess
import threading
import time
import urllib.request

PR_SET_PDEATHSIG = 1


def _die_with_parent():
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except OSError:
        pass


class Worker:
    def __init__(self, rayctl, model, device="cpu", parallel=4, ctx=0, model_name="", threads=0,
                 ready_timeout_s=600):
        rayctl = os.path.expanduser(rayctl)
        model = os.path.expanduser(model)
        for what, path in (("rayctl binary", rayctl), ("model", model)):
            if not os.path.isfile(path):
                raise RuntimeError(f"the {what} {path} is not on this node (rayctl inference deploy copies it)")
        argv = [rayctl, "inference", "serve", "--model", model, "--device", device, "--host", "127.0.0.1",
                "--port", "0", "--parallel", str(parallel), "-o", "json"]
        if ctx:
            argv += ["--ctx", str(ctx)]
        if model_name:
            argv += ["--model-name", model_name]
        if threads:
            argv += ["--threads", str(threads)]
        self.argv = argv
        self.stderr_tail = collections.deque(maxlen=40)
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True,
                                     preexec_fn=_die_with_parent)
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        self.url = self._wait_ready(ready_timeout_s)

    def _drain_stderr(self):
        for line in self.proc.stderr:
            self.stderr_tail.append(line.decode(errors="replace").rstrip())

    def _wait_ready(self, timeout_s):
        # The first stdout line is the worker's ready object: {"url": ..., "model": ...}.
        result = {}

        def read():
            line = self.proc.stdout.readline()
            if line:
                result["ready"] = json.loads(line)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout_s)
        if "ready" not in result:
            self.stop()
            raise RuntimeError(f"`{' '.join(self.argv)}` was not ready within {timeout_s} s "
                               f"({self.describe()}): " + " | ".join(self.stderr_tail))
        threading.Thread(target=self._drain_stdout, daemon=True).start()
        return result["ready"]["url"].rstrip("/")

    def _drain_stdout(self):
        for _ in self.proc.stdout:
            pass

    def describe(self):
        rc = self.proc.poll()
        if rc is None:
            return "running"
        return f"exited with status {rc}" if rc >= 0 else f"killed by signal {-rc}"

    def check(self, timeout_s=5):
        """Raises when the worker is gone or its /health does not answer 200."""
        if self.proc.poll() is not None:
            raise RuntimeError(f"the rayctl worker {self.describe()}: " + " | ".join(self.stderr_tail))
        with urllib.request.urlopen(self.url + "/health", timeout=timeout_s) as r:
            if r.status != 200:
                raise RuntimeError(f"the rayctl worker's /health answered {r.status}")

    def stop(self, grace_s=5):
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace_s
        while self.proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
