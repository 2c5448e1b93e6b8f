"""Drives a command on a pseudo-terminal for the SSH rig tests (attach, passphrase prompts).

The command gets a new session whose controlling terminal is the pty's slave side (so
/dev/tty, raw mode, SIGWINCH and Ctrl-C behave as on a real terminal); the test keeps both
ends: it types into the master, reads everything the command printed (the transcript), and
can read the slave's termios to see the mode the command left the terminal in.
Every wait is bounded.
"""
import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time


class PtyRun:
    def __init__(self, argv, rows=24, cols=80, env=None):
        self.master, self.slave = os.openpty()
        self.resize(rows, cols)
        self.transcript = b""
        self._seen = 0  # transcript offset already matched by expect()

        def become_terminal_owner():
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave, stderr=self.slave,
                                     start_new_session=True, preexec_fn=become_terminal_owner,
                                     env=env, close_fds=True)

    def resize(self, rows, cols):
        # Setting the size on the master signals SIGWINCH to the terminal's foreground group.
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def send(self, text):
        os.write(self.master, text.encode() if isinstance(text, str) else text)

    def _read(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: every slave fd is closed
            data = b""
        if not data:
            return None
        self.transcript += data
        return True

    def expect(self, pattern, timeout=30):
        """Waits until `pattern` (regex) appears in output not matched before; returns the match."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.transcript, self._seen)
            if m:
                self._seen = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("timed out waiting for %r; output so far:\n%s" % (pattern, self.text()))
            if not self._read(min(left, 0.5)) and self.proc.poll() is not None and not self._read(0.2):
                raise AssertionError("exited (%s) before %r; output:\n%s" % (self.proc.returncode, pattern, self.text()))

    def lflag(self):
        return termios.tcgetattr(self.slave)[3]

    def wait(self, timeout=30):
        """Reads until the command exits (bounded); returns its exit status."""
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read(0.2)
        if self.proc.poll() is None:
            self.proc.kill()
            raise AssertionError("command did not exit within %d s; output:\n%s" % (timeout, self.text()))
        while self._read(0.1):
            pass
        return self.proc.returncode

    def text(self):
        return self.transcript.decode(errors="replace")
