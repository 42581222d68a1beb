"""Runs forked by the grader's fork server (``zygote.py``), one per grader process, started on first use.

A run through the server gets what a fresh run gets (``jail.py`` does both), without paying for a new
interpreter and ``import numpy``. Requests are single SOCK_SEQPACKET messages, sent under a lock that also
covers (re)starting the server. A server that died is started again; after ``MAX_STARTS`` starts every
run is fresh. A run the server never started (no report: nothing of the run's code ran) is retried fresh
by the caller, so a broken server costs time, never a section.
"""

import atexit
import marshal
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from .launch import CHILD_ENV, PYTHON_FLAGS, Watch, run_config, to_outcome
from .limits import Limits
from .outcome import ChildOutcome

ZYGOTE = str(Path(__file__).with_name("zygote.py"))
START_TIMEOUT = 60.0           # seconds for the server to import NumPy and say "ready"
MAX_STARTS = 3


class ForkServer:
    """The grader's handle on its fork server process; thread-safe.

    ``preload`` (module names) and ``precompiled`` (paths of trusted source files) are what the server
    imports and compiles once when it starts, for the runs that import or execute them (see zygote.py).
    They only save time: a run gets the same code either way.
    """

    def __init__(self, preload: Iterable[str] = (), precompiled: Iterable[str | os.PathLike] = ()):
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.starts = 0
        self.preload: dict[str, None] = {}         # ordered sets
        self.precompiled: dict[str, None] = {}
        self.want(preload, precompiled)

    def __repr__(self):
        state = "running" if self.alive() else "given up" if self.starts >= MAX_STARTS else "not running"
        return f"ForkServer({state}, pid={self.pid}, starts={self.starts})"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def send(self, data: bytes, fds: list[int]) -> bool:
        """Hand one run to the server, starting it if need be; False when there is no server."""
        with self.lock:
            for _ in range(2):                 # a server found dead is started again once
                if not self.alive() and not self._start():
                    return False
                try:
                    socket.send_fds(self.sock, [data], fds)
                    return True
                except OSError:
                    self._stop()
            return False

    def want(self, preload: Iterable[str] = (), precompiled: Iterable[str | os.PathLike] = ()) -> None:
        """Add to what the server preloads and precompiles, from its next start on."""
        with self.lock:
            self.preload.update(dict.fromkeys(map(str, preload)))
            self.precompiled.update(dict.fromkeys(map(str, precompiled)))

    def start(self) -> bool:
        """Start the server now if it is not running; whether it runs."""
        with self.lock:
            return self.alive() or self._start()

    def _start(self) -> bool:
        self._stop()
        if self.starts >= MAX_STARTS:
            return False
        self.starts += 1
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, *PYTHON_FLAGS, ZYGOTE, str(theirs.fileno()),
                 marshal.dumps({"preload": list(self.preload), "precompiled": list(self.precompiled)}).hex()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env={**CHILD_ENV, "HOME": "/"}, cwd="/", pass_fds=(theirs.fileno(),), start_new_session=True)
        except OSError:
            mine.close()
            return False
        finally:
            theirs.close()
        self.sock = mine
        mine.settimeout(START_TIMEOUT)
        try:
            ready = mine.recv(16)
        except OSError:
            ready = b""
        mine.settimeout(None)
        if ready != b"ready":
            self._stop()
        return ready == b"ready"

    def _stop(self) -> None:
        if self.sock is not None:
            self.sock.close()                  # the server exits at its socket's end
            self.sock = None
        if self.process is not None:
            self.process.kill()                # runs in flight are not its children's business
            self.process.wait()
            self.process = None

    def shutdown(self) -> None:
        """Stop the server (at the grader's exit; a later run starts it again)."""
        starting = self.process
        if starting is not None:
            # Without the lock: a server still starting holds it until it is ready, which a
            # command that ran nothing (a one-line error) would otherwise wait for at its exit.
            starting.kill()
        with self.lock:
            self._stop()


_SERVER = ForkServer()
atexit.register(_SERVER.shutdown)


def fork_server(preload: Iterable[str] = (), precompiled: Iterable[str | os.PathLike] = ()) -> ForkServer:
    """This grader process's fork server, started by its first run; ``preload`` and ``precompiled`` are
    added to what it loads when it starts (``ForkServer.want``)."""
    _SERVER.want(preload, precompiled)
    return _SERVER


def launch_forked(server: ForkServer, mode: str, scratch: Path, argv: Sequence[str], limits: Limits,
                  private: Sequence[str] = ()) -> ChildOutcome | None:
    """``launch`` through the fork server: the same run and outcome, or None when the server did not
    start it (no server, or it died first), for the caller to run it fresh.

    The run's supervisor ends the run when its kill pipe has data or ends (the grader's death).
    """
    config = marshal.dumps(run_config(mode, scratch, argv, limits, -1, private))
    output_r, output_w = os.pipe()
    status_r, status_w = os.pipe()
    kill_r, kill_w = os.pipe()
    started = time.monotonic()
    try:
        sent = server.send(config, [output_w, status_w, kill_r])
    finally:
        for fd in (output_w, status_w, kill_r):
            os.close(fd)
    try:
        if sent:
            watch = Watch(output_r, status_r, limits, started, terminate=lambda: os.write(kill_w, b"\0"))
            watch.run()
    finally:
        for fd in (output_r, status_r, kill_w):
            os.close(fd)
    if not sent or not {"uid", "pid", "error"} & watch.reports().keys():     # reported before the student starts
        return None
    return to_outcome(mode, watch, started)
