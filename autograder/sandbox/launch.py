"""Starting one run of ``jail.py`` and watching it from the grader: output, status, timeout.

Everything here is per call (no chdir, no preexec_fn, no shared state), so several threads may launch
runs at once. A fresh run's launcher is a ``subprocess.Popen`` of ``jail.py`` in its own session; a run
forked by the fork server (``forking.py``) is watched the same way, through its output and status pipes.
"""

import fcntl
import functools
import importlib.util
import logging
import marshal
import os
import resource
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from .layout import run_layout
from .limits import Limits
from .outcome import MEMORY, NO_REPORT, TIMED_OUT, ChildOutcome, Ending, OutputCapture, status_ending

JAIL = str(Path(__file__).with_name("jail.py"))
# Root mode: a run's uid is UID_BASE + the launcher's pid, unique among live runs, so that parallel runs
# do not share one RLIMIT_NPROC budget (a fork bomb in one section would stop another from starting).
UID_BASE = 2_000_000_000
KILL_GRACE = 1.0               # after the timeout's SIGTERM, seconds before SIGKILL
DRAIN_GRACE = 0.2              # after the launcher ended, seconds to wait for the output pipe to close
CHILD_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
             "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
             "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg"}
# `-I` is `-E -P -s`; the environment is ours entirely, and -E would drop PYTHONHASHSEED, so: -P -s.
PYTHON_FLAGS = ("-P", "-s", "-B")
NAMESPACED = "read-only whitelisted root, scratch on a tmpfs of its memory limit, no network"


class SandboxError(RuntimeError):
    """The sandbox itself could not run the child: the grader's problem, never the student's."""


def describe(mode: str, uid: str, seccomp: str = "on") -> str:
    """The ``ChildOutcome.isolation`` of a run. ``seccomp``: "on", or why the run had no syscall filter:
    then it starts with "reduced", which the TA is told of."""
    common = f"no capabilities, no_new_privs, {'syscall filter, ' if seccomp == 'on' else ''}"
    if mode == "root":
        text = f"namespaces pid+mount+net+ipc+uts, uid {uid} (its own), {common}{NAMESPACED}"
    elif mode == "userns":
        text = (f"namespaces user+pid+mount+net+ipc+uts, uid 0 of its own user namespace "
                f"(uid {os.geteuid()} outside), {common}{NAMESPACED}")
    elif uid.isdigit() and int(uid) >= UID_BASE:
        text = (f"reduced: no namespaces (not permitted here), uid {uid} (its own), {common}own session, "
                f"rlimits, its files removed after it; the child sees the machine's files and processes "
                f"and can read what any user can")
    else:
        text = (f"reduced: no namespaces (not root, and user namespaces unavailable): {common}own session, "
                f"rlimits, best-effort cleanup; the child runs as the grader's user and can read what it can")
    return text if seccomp == "on" else f"reduced: no syscall filter ({seccomp}); {text.removeprefix('reduced: ')}"


@functools.cache
def seccomp_folder() -> str | None:
    """Where the syscall filter's binding is installed: the launcher runs without site-packages."""
    spec = importlib.util.find_spec("pyseccomp")
    return os.path.dirname(spec.origin) if spec is not None and spec.origin else None


def run_config(mode: str, scratch: Path, argv: Sequence[str], limits: Limits, status_fd: int,
               private: Sequence[str] = ()) -> dict:
    """What ``jail.py`` (and the fork server) need to know of one run of ``python PYTHON_FLAGS *argv``;
    ``private``: see ``layout.run_layout``."""
    # In a user namespace, outer and the supervisor count against the run's process limit too.
    processes = limits.processes + (2 if mode == "userns" else 0)
    cpu = limits.cpu_seconds
    return {
        "mode": mode,
        "status_fd": status_fd,
        "grader_pid": os.getpid(),
        "argv": [sys.executable, *PYTHON_FLAGS, *argv],
        "script_argv": list(argv),
        "env": {**CHILD_ENV, "HOME": str(scratch), "TMPDIR": os.path.join(scratch, "tmp")},    # run_child makes it
        "scratch": str(scratch),
        "results_bytes": limits.file_size,
        "seccomp": seccomp_folder(),
        "rlimits": [(resource.RLIMIT_AS, limits.memory, limits.memory),
                    (resource.RLIMIT_CPU, cpu, cpu + 1),          # SIGXCPU first, SIGKILL a second later
                    (resource.RLIMIT_FSIZE, limits.file_size, limits.file_size),
                    (resource.RLIMIT_NPROC, processes, processes),
                    (resource.RLIMIT_CORE, 0, 0),
                    (resource.RLIMIT_NOFILE, 1024, 1024)],
        "memory_total": limits.memory,
        "uid_base": UID_BASE,
        "layout": run_layout(scratch, limits, private) if mode != "none" else [],
    }


class Watch:
    """The grader's view of one run until its launcher ended and the pipes are done.

    The launcher's end is its status pipe's end (the student's process never holds it), or ``exit_fd``
    (a pidfd of a fresh launcher) becoming readable. At the timeout the grader calls ``terminate``, and
    KILL_GRACE later ``kill``, after which it waits for the launcher no more.
    """

    def __init__(self, output_fd: int, status_fd: int, limits: Limits, started: float,
                 terminate: Callable[[], object], kill: Callable[[], object] = lambda: None,
                 exit_fd: int | None = None):
        self.limits = limits
        self.deadline = started + limits.timeout
        self.terminate, self.kill = terminate, kill
        self.output = OutputCapture(limits.output)
        self.status = bytearray()
        self.timed_out = False
        self.terminated_at: float | None = None
        self.exited_at: float | None = None
        self.selector = selectors.DefaultSelector()
        for fd, kind in ((output_fd, "output"), (status_fd, "status"), (exit_fd, "exit")):
            if fd is not None:
                os.set_blocking(fd, False)
                self.selector.register(fd, selectors.EVENT_READ, kind)
        try:                    # a flood of output is read in fewer, larger pieces
            fcntl.fcntl(output_fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        except OSError:         # past the user's quota of pipe buffers: the default size
            pass

    def run(self) -> None:
        try:
            while self.exited_at is None or self.selector.get_map():
                wake = self._enforce(time.monotonic())
                if wake is None:
                    break
                for key, _ in self.selector.select(max(0.0, wake - time.monotonic())):
                    self._read(key)
        finally:
            self.selector.close()

    def _enforce(self, now: float) -> float | None:
        """Act on the clock; the next time to look again, or None to stop reading."""
        if self.exited_at is not None:
            # Namespace modes: every process of the run is dead, the pipes are closing. Mode "none":
            # a leftover may hold the output pipe; it is not worth waiting for.
            return None if now >= self.exited_at + DRAIN_GRACE else self.exited_at + DRAIN_GRACE
        if now < self.deadline:
            return self.deadline
        if not self.timed_out:
            self.timed_out, self.terminated_at = True, now
            self.terminate()
        if now < self.terminated_at + KILL_GRACE:
            return self.terminated_at + KILL_GRACE
        self.kill()
        self.exited_at = now
        return now + DRAIN_GRACE

    def _read(self, key: selectors.SelectorKey) -> None:
        data = b""
        if key.data != "exit":
            try:
                data = os.read(key.fd, 1 << 20)
            except BlockingIOError:
                return
        if not data:
            self.selector.unregister(key.fd)
            if key.data != "output" and self.exited_at is None:
                self.exited_at = time.monotonic()
        elif key.data == "output":
            self.output.add(data)
        elif len(self.status) < 1 << 16:
            self.status += data

    def reports(self) -> dict[str, list[str]]:
        """The first status line of each kind, split in words."""
        found: dict[str, list[str]] = {}
        for line in self.status.decode("utf-8", "replace").splitlines():
            word, _, rest = line.partition(" ")
            found.setdefault(word, [rest] if word in ("error", "seccomp", "unremoved") else rest.split(" "))
        return found


def launch(mode: str, scratch: Path, argv: Sequence[str], limits: Limits, private: Sequence[str] = ()) -> ChildOutcome:
    """Run ``python PYTHON_FLAGS *argv`` in a fresh launcher of the sandbox of ``mode``; see ``run_child``."""
    status_r, status_w = os.pipe()
    started = time.monotonic()
    try:
        config = run_config(mode, scratch, argv, limits, status_w, private)
        process = subprocess.Popen([sys.executable, "-I", "-S", "-B", JAIL, marshal.dumps(config).hex()],
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   env=config["env"], cwd="/", close_fds=True, pass_fds=(status_w,),
                                   start_new_session=True)
    except OSError as error:
        os.close(status_r)
        raise SandboxError(f"could not start the sandbox launcher: {error}") from error
    finally:
        os.close(status_w)
    with process:
        try:        # in mode "none" as another user than root, the child may hold the status pipe too
            exit_fd = os.pidfd_open(process.pid)
        except OSError:         # a kernel before 5.3, or a container that filters it
            exit_fd = None
        try:
            watch = Watch(process.stdout.fileno(), status_r, limits, started, exit_fd=exit_fd,
                          terminate=lambda: process.send_signal(signal.SIGTERM), kill=process.kill)
            watch.run()
        finally:
            for fd in (status_r, exit_fd):
                if fd is not None:
                    os.close(fd)
            process.kill()       # no-op unless we stopped early; Popen will not signal a reaped pid
            process.wait()
    return to_outcome(mode, watch, started, process.returncode)


def to_outcome(mode: str, watch: Watch, started: float, launcher_status: int | None = None) -> ChildOutcome:
    """The ``ChildOutcome`` of a watched run; raises SandboxError for the launcher's own errors.
    ``launcher_status``: the launcher's exit status, when the grader waited for it."""
    reports = watch.reports()
    if "error" in reports:       # written only by the launcher's own code, before the child's exec
        raise SandboxError(reports["error"][0])
    if "exit" in reports:
        status, cpu_seconds, _ = reports["exit"]
        ending = status_ending(int(status), float(cpu_seconds), watch.limits.cpu_seconds, watch.output.last_line())
    elif "memory" in reports:
        ending = Ending(MEMORY)
    elif watch.timed_out:
        ending = Ending(TIMED_OUT, seconds=watch.limits.timeout)
    else:
        # Only in mode "none" as another user than root can the child reach its launcher and kill it.
        ending = Ending(NO_REPORT, code=launcher_status)
    if mode == "none" and "pid" in reports and "exit" not in reports:
        try:                     # the student's session, once its launcher is gone
            os.killpg(int(reports["pid"][0]), signal.SIGKILL)
        except OSError:
            pass
    if "unremoved" in reports:
        logging.getLogger(__name__).warning("the sandbox could not remove what a run left: %s",
                                            reports["unremoved"][0])
    isolation = describe(mode, reports.get("uid", ["?"])[0], reports.get("seccomp", ["not loaded"])[0])
    return ChildOutcome(ending=ending, output=watch.output.text(), elapsed=time.monotonic() - started,
                        isolation=isolation)
