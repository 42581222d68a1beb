"""How a child ended, in words a student can read, and the capped record of what it printed."""

import os
import re
import signal
from dataclasses import dataclass

# Python turns a failed allocation, a file-size or a process limit into an exception (it ignores
# SIGXFSZ), so those limits are recognised from the last line of the traceback. The child writes that
# line and could forge it: it only changes the words of the ending, never a score.
LIMIT_EXCEPTIONS = (
    (re.compile(rb"^(?:\w+\.)*\w*MemoryError\b"), "killed: memory limit"),   # numpy: _ArrayMemoryError
    (re.compile(rb"^(?:\w+\.)*\w*Error: \[Errno 27\]"), "killed: file size limit"),
    (re.compile(rb"^BlockingIOError: \[Errno 11\]"), "killed: process limit"),
)
EXCEPTION_LINE = re.compile(rb"^((?:\w+\.)*\w+(?:Error|Exception|Interrupt|Exit|Warning))\b")
SIGNAL_ENDINGS = {
    signal.SIGSEGV: "crashed: segmentation fault (SIGSEGV)",
    signal.SIGBUS: "crashed: bus error (SIGBUS)",
    signal.SIGFPE: "crashed: floating-point exception (SIGFPE)",
    signal.SIGILL: "crashed: illegal instruction (SIGILL)",
    signal.SIGABRT: "crashed: aborted (SIGABRT)",
    signal.SIGSYS: "crashed: bad system call (SIGSYS)",
    signal.SIGXCPU: "killed: CPU time limit",
    signal.SIGXFSZ: "killed: file size limit",
    signal.SIGINT: "killed by signal SIGINT (KeyboardInterrupt)",
}


@dataclass(frozen=True)
class ChildOutcome:
    """How one child run ended.

    Attributes
    ----------
    ending : str
        ``"ok"`` (exit 0), ``"exited with code 3"``, ``"exited with code 1 (RecursionError)"``,
        ``"timed out after 10 s"``, ``"killed: memory limit"``, ``"killed: CPU time limit"``,
        ``"killed: file size limit"``, ``"killed: process limit"``,
        ``"crashed: segmentation fault (SIGSEGV)"``, ``"killed by signal SIGKILL"``, ...; in the reduced
        mode only, ``"ended without a report: ..."`` when the child killed its launcher.
    exit_code : int or None
        The exit code, or None when the child did not exit by itself (signal, timeout, memory).
    output : str
        Its stdout and stderr, interleaved, UTF-8 with replacement, capped at ``Limits.output`` bytes
        with a note of how much was cut from the middle.
    elapsed : float
        Wall-clock seconds, launch to end.
    isolation : str
        What confined it, e.g. ``"namespaces pid+mount+net+ipc+uts, uid 2000001234, ..."`` or
        ``"reduced: no namespaces ..."``.
    prepared : str
        As root through the fork server, when its sandbox was made: ``"ahead"`` (before it was asked
        for: the grader daemon's) or ``"now"``; ``""`` for a run made in one go (a fresh run, a user
        namespace's). The same sandbox either way.
    """

    ending: str
    exit_code: int | None
    output: str
    elapsed: float
    isolation: str
    prepared: str = ""

    @property
    def ok(self) -> bool:
        return self.ending == "ok"


class OutputCapture:
    """Keeps the first and the last ``limit // 2`` bytes of a stream and counts the rest."""

    def __init__(self, limit: int):
        self.head_limit = limit - limit // 2
        self.tail_limit = limit // 2
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def add(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data and self.tail_limit:
            self.tail += data[-self.tail_limit:]
            if len(self.tail) > 2 * self.tail_limit:       # trim rarely, not on every chunk
                del self.tail[: len(self.tail) - self.tail_limit]

    def last_line(self) -> bytes:
        lines = (bytes(self.head) + bytes(self.tail)).strip().splitlines()
        return lines[-1].strip() if lines else b""

    def text(self) -> str:
        tail = bytes(self.tail[-self.tail_limit:]) if self.tail_limit else b""
        cut = self.total - len(self.head) - len(tail)
        if cut <= 0:
            return (bytes(self.head) + tail).decode("utf-8", "replace")
        note = f"\n[... {cut} bytes of output cut ...]\n"
        return bytes(self.head).decode("utf-8", "replace") + note + tail.decode("utf-8", "replace")


def describe_exit(code: int, last_line: bytes) -> str:
    if code == 0:
        return "ok"
    for pattern, ending in LIMIT_EXCEPTIONS:
        if pattern.match(last_line):
            return ending
    exception = EXCEPTION_LINE.match(last_line)
    named = f" ({exception.group(1).decode()})" if exception else ""
    return f"exited with code {code}{named}"


def describe_signal(number: int, cpu_seconds: float, cpu_limit: int) -> str:
    if number == signal.SIGKILL and cpu_seconds >= cpu_limit:     # the hard CPU limit is SIGKILL
        return "killed: CPU time limit"
    if number in SIGNAL_ENDINGS:
        return SIGNAL_ENDINGS[number]
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = f"number {number}"
    return f"killed by signal {name}"


def describe_status(status: int, cpu_seconds: float, cpu_limit: int,
                    last_line: bytes) -> tuple[str, int | None]:
    """(ending, exit code) from a wait status."""
    if os.WIFEXITED(status):
        code = os.WEXITSTATUS(status)
        return describe_exit(code, last_line), code
    return describe_signal(os.WTERMSIG(status), cpu_seconds, cpu_limit), None
