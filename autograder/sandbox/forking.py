"""Runs forked by the grader's fork server (``zygote.py``): one server per grader process, on first use.

A run through the server gets what a fresh run gets (``jail.py`` does both), without paying for a new
interpreter and ``import numpy``. The server is shared by every thread of the grader: requests are single
SOCK_SEQPACKET messages, sent under a lock that also covers (re)starting it. A server that died is
started again on the next run; after ``MAX_STARTS`` starts the grader gives up on it and every run is
fresh. A run the server never started (no report at all: nothing of the run's code ran) is retried fresh
by the caller, so a broken server costs time, never a section. The server ends with the grader process:
it exits when its socket ends.
"""

import atexit
import marshal
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
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
    imports and compiles once when it starts, for the runs that import or execute them (see zygote.py);
    ``want`` adds to them. They only save time: a run gets the same code either way.
    """

    def __init__(self, preload: Iterable[str] = (), precompiled: Iterable[str | os.PathLike] = ()):
        self.lock = threading.Lock()
        self.process: subprocess.Popen | None = None
        self.sock: socket.socket | None = None
        self.starts = 0
        self.preload: dict[str, None] = {}         # insertion-ordered sets
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
        """Add to what the server preloads and precompiles: from its next start on (a running server is
        not restarted for it)."""
        preload = [name for name in map(str, preload) if name not in self.preload]
        precompiled = [path for path in map(str, precompiled) if path not in self.precompiled]
        if preload or precompiled:             # else no need to wait for a start holding the lock
            with self.lock:
                self.preload.update(dict.fromkeys(preload))
                self.precompiled.update(dict.fromkeys(precompiled))

    def start(self) -> bool:
        """Start the server now if it is not running (``send`` would start it anyway); whether it runs."""
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
        mine.settimeout(START_TIMEOUT)
        try:
            ready = mine.recv(16)
        except OSError:
            ready = b""
        mine.settimeout(None)
        self.sock = mine
        if ready != b"ready":
            self._stop()
            return False
        return True

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


_SERVER_LOCK = threading.Lock()
_SERVER: ForkServer | None = None


def fork_server(preload: Iterable[str] = (), precompiled: Iterable[str | os.PathLike] = ()) -> ForkServer:
    """This grader process's fork server (one, whichever thread asks first), started by its first run;
    ``preload`` and ``precompiled`` are added to what it loads when it starts (``ForkServer.want``)."""
    global _SERVER
    with _SERVER_LOCK:
        if _SERVER is None:
            _SERVER = ForkServer()
            atexit.register(_SERVER.shutdown)
        server = _SERVER
    if preload or precompiled:
        server.want(preload, precompiled)
    return server


class ForkedLauncher:
    """A run's launcher forked by the server: not the grader's child, so its end is its status pipe's
    end, and the grader ends it by closing the kill pipe, which the run's supervisor watches."""

    exit_fd = None
    ends_with_status = True

    def __init__(self, kill_fd: int):
        self.kill_fd: int | None = kill_fd
        self.polls = False

    def ended(self) -> bool:
        return self.polls

    def terminate(self) -> None:
        if self.kill_fd is not None:
            os.close(self.kill_fd)
            self.kill_fd = None

    def kill(self) -> None:
        """Nothing is stronger than the kill pipe; stop waiting for a launcher that did not end."""
        self.terminate()
        self.polls = True

    def close(self) -> None:
        self.terminate()


def launch_forked(server: ForkServer, mode: str, scratch: Path, python_args: list[str], limits: Limits,
                  describe_isolation: Callable[[str, str], str],
                  private: Sequence[str] = ()) -> ChildOutcome | None:
    """``launch`` through the fork server: the same run and outcome, or None when the server did not
    start it (no server, or it died first), for the caller to run it fresh.

    ``python_args`` must be ``[*PYTHON_FLAGS, script, *args]``: the server's own flags.
    """
    if list(python_args[:len(PYTHON_FLAGS)]) != list(PYTHON_FLAGS):
        raise ValueError(f"the fork server runs {PYTHON_FLAGS} only, not {python_args[:len(PYTHON_FLAGS)]}")
    settings = run_config(mode, scratch, python_args, limits, -1, private)
    settings["script_argv"] = list(python_args[len(PYTHON_FLAGS):])
    output_r, output_w = os.pipe()
    status_r, status_w = os.pipe()
    kill_r, kill_w = os.pipe()
    started = time.monotonic()
    try:
        sent = server.send(marshal.dumps(settings), [output_w, status_w, kill_r])
    finally:
        for fd in (output_w, status_w, kill_r):
            os.close(fd)
    launcher = ForkedLauncher(kill_w)
    if not sent:
        for fd in (output_r, status_r):
            os.close(fd)
        launcher.close()
        return None
    watch = Watch(launcher, output_r, status_r, limits, started)
    try:
        watch.run()
    finally:
        for fd in (output_r, status_r):
            os.close(fd)
        launcher.close()
    if not {"uid", "pid", "error"} & watch.reports().keys():     # reported before the student starts
        return None
    return to_outcome(mode, watch, time.monotonic() - started, describe_isolation, None)
