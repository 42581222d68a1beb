"""Starting one run of ``jail.py`` and watching it from the grader: output, status, timeout.

Everything here is per call (no chdir, no preexec_fn, no shared state), so several threads may launch
runs at once. The grader's end of a fresh run is a ``subprocess.Popen`` of the launcher in its own
session; it reads the run's output and status through pipes and waits on a pidfd, so it never polls.
A run forked by the fork server (``forking.py``) is watched the same way; ``Watch`` asks a launcher
object (``Popened`` here, ``forking.ForkedLauncher`` there) how a run's launcher ends and is ended.
"""

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
KILL_GRACE = 1.0               # after SIGTERM at the timeout, seconds before SIGKILL
DRAIN_GRACE = 0.2              # after the launcher ended, seconds to wait for the output pipe to close
CHILD_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "MPLBACKEND": "Agg",
}
# `-I` is `-E -P -s`; the environment is ours entirely, and -E would drop PYTHONHASHSEED, so: -P -s.
PYTHON_FLAGS = ("-P", "-s", "-B")


class SandboxError(RuntimeError):
    """The sandbox itself could not run the child: the grader's problem, never the student's."""


def child_env(scratch: Path) -> dict[str, str]:
    """The run's environment; its TMPDIR is its own, in its scratch folder (``run_child`` makes it)."""
    return {**CHILD_ENV, "HOME": str(scratch), "TMPDIR": os.path.join(scratch, "tmp")}


@functools.cache
def seccomp_folder() -> str | None:
    """Where the syscall filter's binding is installed: the launcher runs without site-packages."""
    spec = importlib.util.find_spec("pyseccomp")
    return os.path.dirname(spec.origin) if spec is not None and spec.origin else None


def rlimits(limits: Limits, mode: str) -> list[tuple[int, int, int]]:
    # In a user namespace, outer and the supervisor count against the run's process limit too.
    processes = limits.processes + (2 if mode == "userns" else 0)
    cpu = limits.cpu_seconds
    return [
        (resource.RLIMIT_AS, limits.memory, limits.memory),
        (resource.RLIMIT_CPU, cpu, cpu + 1),          # SIGXCPU first, SIGKILL a second later
        (resource.RLIMIT_FSIZE, limits.file_size, limits.file_size),
        (resource.RLIMIT_NPROC, processes, processes),
        (resource.RLIMIT_CORE, 0, 0),
        (resource.RLIMIT_NOFILE, 1024, 1024),
    ]


def run_config(mode: str, scratch: Path, python_args: list[str], limits: Limits, status_fd: int,
               private: Sequence[str] = ()) -> dict:
    """What ``jail.py`` needs to know of one run; ``private``: see ``layout.run_layout``."""
    return {
        "mode": mode,
        "status_fd": status_fd,
        "grader_pid": os.getpid(),
        "python": sys.executable,
        "argv": [sys.executable, *python_args],
        "env": child_env(scratch),
        "scratch": str(scratch),
        "results_bytes": limits.file_size,
        "seccomp": seccomp_folder(),
        "rlimits": rlimits(limits, mode),
        "memory_total": limits.memory,
        "uid_base": UID_BASE,
        "layout": run_layout(scratch, limits, private) if mode != "none" else [],
    }


class Popened:
    """A launcher that is the grader's own child: ends are seen on a pidfd, or by polling."""

    def __init__(self, process: subprocess.Popen):
        self.process = process
        try:                   # Linux 5.3: readable when the launcher exits; else poll() every 20 ms
            self.exit_fd: int | None = os.pidfd_open(process.pid)
        except (AttributeError, OSError):
            self.exit_fd = None
        self.polls = self.exit_fd is None
        self.ends_with_status = False

    def ended(self) -> bool:
        return self.process.poll() is not None

    def terminate(self) -> None:
        self.process.send_signal(signal.SIGTERM)     # the launcher kills the whole run, then exits

    def kill(self) -> None:
        self.process.kill()

    def close(self) -> None:
        if self.exit_fd is not None:
            os.close(self.exit_fd)


class Watch:
    """The grader's view of one launcher process until it and its pipes are done.

    ``launcher`` has ``exit_fd`` (readable once it ended, or None), ``polls`` (ask ``ended()`` every
    20 ms instead), ``ends_with_status`` (its end is the status pipe's end), ``terminate()`` (the
    timeout), ``kill()`` (KILL_GRACE later) and ``close()``.
    """

    def __init__(self, launcher, output_fd: int, status_fd: int, limits: Limits, started: float):
        self.launcher = launcher
        self.limits = limits
        self.deadline = started + limits.timeout
        self.output = OutputCapture(limits.output)
        self.status = bytearray()
        self.timed_out = False
        self.terminated_at: float | None = None
        self.exited_at: float | None = None
        self.selector = selectors.DefaultSelector()
        for fd, kind in ((output_fd, "output"), (status_fd, "status"), (launcher.exit_fd, "exit")):
            if fd is not None:
                os.set_blocking(fd, False)
                self.selector.register(fd, selectors.EVENT_READ, kind)

    def run(self) -> None:
        try:
            while True:
                if self.launcher.polls and self.exited_at is None and self.launcher.ended():
                    self.exited_at = time.monotonic()
                if self.exited_at is not None and not self.selector.get_map():
                    break
                wake = self._enforce(time.monotonic())
                if wake is None:
                    break
                if self.launcher.polls and self.exited_at is None:
                    wake = min(wake, time.monotonic() + 0.02)
                for key, _ in self.selector.select(max(0.0, wake - time.monotonic())):
                    self._read(key)
        finally:
            self.selector.close()
            self.launcher.close()

    def _enforce(self, now: float) -> float | None:
        """Act on the clock; the next time to look again, or None to stop reading."""
        if self.exited_at is not None:
            # Namespace modes: every process of the run is dead, the pipes are closing. Mode "none":
            # a leftover may hold the output pipe; it is not worth waiting for.
            return None if now >= self.exited_at + DRAIN_GRACE else self.exited_at + DRAIN_GRACE
        if not self.timed_out:
            if now < self.deadline:
                return self.deadline
            self.timed_out, self.terminated_at = True, now
            self.launcher.terminate()
        if now >= self.terminated_at + KILL_GRACE:
            self.launcher.kill()
            return now + 0.05
        return self.terminated_at + KILL_GRACE

    def _read(self, key: selectors.SelectorKey) -> None:
        if key.data == "exit":
            self.selector.unregister(key.fd)
            self.exited_at = time.monotonic()
            return
        try:
            data = os.read(key.fd, 1 << 16)
        except BlockingIOError:
            return
        if not data:
            self.selector.unregister(key.fd)
            if key.data == "status" and self.launcher.ends_with_status:
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


def launch(mode: str, scratch: Path, python_args: list[str], limits: Limits,
           describe_isolation: Callable[[str, str], str], private: Sequence[str] = ()) -> ChildOutcome:
    """Run ``python PYTHON_ARGS`` in the sandbox of ``mode``; see ``run_child``."""
    status_r, status_w = os.pipe()
    started = time.monotonic()
    try:
        command = [sys.executable, "-I", "-S", "-B", JAIL,
                   marshal.dumps(run_config(mode, scratch, python_args, limits, status_w, private)).hex()]
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, env=child_env(scratch), cwd="/",
                                   close_fds=True, pass_fds=(status_w,), start_new_session=True)
    except OSError as error:
        os.close(status_r)
        raise SandboxError(f"could not start the sandbox launcher: {error}") from error
    finally:
        os.close(status_w)
    with process:
        watch = Watch(Popened(process), process.stdout.fileno(), status_r, limits, started)
        try:
            watch.run()
        finally:
            os.close(status_r)
            process.kill()       # no-op unless we stopped early; Popen will not signal a reaped pid
            process.wait()
    return to_outcome(mode, watch, time.monotonic() - started, describe_isolation, process.returncode)


def to_outcome(mode: str, watch: Watch, elapsed: float, describe_isolation: Callable[[str, str], str],
               launcher_status: int | None) -> ChildOutcome:
    """The ``ChildOutcome`` of a watched run; raises SandboxError for the launcher's own errors.
    ``launcher_status``: the launcher's exit status, when the grader waited for it."""
    limits = watch.limits
    reports = watch.reports()
    if "error" in reports:       # written only by the launcher's own code, before the child's exec
        raise SandboxError(reports["error"][0])
    if "exit" in reports:
        status, cpu_seconds, _ = reports["exit"]
        ending = status_ending(int(status), float(cpu_seconds), limits.cpu_seconds, watch.output.last_line())
    elif "memory" in reports:
        ending = Ending(MEMORY)
    elif watch.timed_out:
        ending = Ending(TIMED_OUT, seconds=limits.timeout)
    else:
        # Only in mode "none" as another user than root can the child reach its launcher and kill it.
        ending = Ending(NO_REPORT, code=launcher_status)
    if mode == "none" and "pid" in reports and "exit" not in reports:
        _kill_group(int(reports["pid"][0]))
    if "unremoved" in reports:
        logging.getLogger(__name__).warning("the sandbox could not remove what a run left: %s",
                                            reports["unremoved"][0])
    return ChildOutcome(ending=ending, output=watch.output.text(), elapsed=elapsed,
                        isolation=describe_isolation(mode, reports.get("uid", ["?"])[0],
                                                     reports.get("seccomp", ["not loaded"])[0]))


def _kill_group(pgid: int) -> None:
    """Best effort for mode "none": the student's session, once its launcher is gone."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except OSError:
        pass
