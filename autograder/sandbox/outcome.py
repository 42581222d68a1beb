"""How a child ended, as data (``Ending``), and the capped record of what it printed.

The sandbox says what happened; the grader's message catalogue words it (``messages.ending``), in the
reader's language.
"""

import os
import re
import signal
from dataclasses import dataclass

OK = "ok"
EXITED = "exited"
SIGNAL = "signal"
TIMED_OUT = "timed_out"
MEMORY = "memory"
CPU_TIME = "cpu_time"
FILE_SIZE = "file_size"
PROCESSES = "processes"
NO_REPORT = "no_report"
KINDS = (OK, EXITED, SIGNAL, TIMED_OUT, MEMORY, CPU_TIME, FILE_SIZE, PROCESSES, NO_REPORT)

# Python turns a failed allocation, a file-size or a process limit into an exception (it ignores
# SIGXFSZ), so those limits are recognised from the last line of the traceback. The child writes that
# line and could forge it: it only changes the kind of the ending, never a score.
LIMIT_EXCEPTIONS = (
    (re.compile(rb"^(?:\w+\.)*\w*MemoryError\b"), MEMORY),   # numpy: _ArrayMemoryError
    (re.compile(rb"^(?:\w+\.)*\w*Error: \[Errno 27\]"), FILE_SIZE),
    (re.compile(rb"^BlockingIOError: \[Errno 11\]"), PROCESSES),
)
EXCEPTION_LINE = re.compile(rb"^((?:\w+\.)*\w+(?:Error|Exception|Interrupt|Exit|Warning))\b")
LIMIT_SIGNALS = {signal.SIGXCPU: CPU_TIME, signal.SIGXFSZ: FILE_SIZE}


@dataclass(frozen=True)
class Ending:
    """How one run ended: a ``kind`` (one of ``KINDS``) and the numbers that go with it.

    Attributes
    ----------
    kind : str
        ``OK`` (exit status 0), ``EXITED`` (another status), ``SIGNAL`` (killed by a signal that is not a
        limit's), ``TIMED_OUT``, a limit the child met (``MEMORY``, ``CPU_TIME``, ``FILE_SIZE``,
        ``PROCESSES``: whether it showed as a signal or as the exception Python raised for it), or
        ``NO_REPORT`` (reduced mode only: the child killed its launcher).
    code : int or None
        The exit status, whenever the child exited by itself (0 for ``OK``; 1 for a limit Python raised
        as an exception); for ``NO_REPORT``, the launcher's status when the grader saw it.
    signal : int or None
        The signal that killed the child (``SIGNAL``, or a limit's signal).
    seconds : float or None
        ``TIMED_OUT``: the wall-clock limit it ran into.
    exception : str
        ``EXITED``: the exception named on the last line of its output (``"RecursionError"``), or "".
        The child wrote that line: it is what the child says, shown as such.
    """

    kind: str
    code: int | None = None
    signal: int | None = None
    seconds: float | None = None
    exception: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Ending.kind must be one of {KINDS}, got {self.kind!r}")

    @property
    def ok(self) -> bool:
        return self.kind == OK

    @property
    def signal_name(self) -> str:
        """``"SIGSEGV"``, or ``"signal 42"`` for a number without a name; "" without a signal."""
        if self.signal is None:
            return ""
        try:
            return signal.Signals(self.signal).name
        except ValueError:
            return f"signal {self.signal}"


@dataclass(frozen=True)
class ChildOutcome:
    """How one child run ended.

    Attributes
    ----------
    ending : Ending
    output : str
        Its stdout and stderr, interleaved, UTF-8 with replacement, capped at ``Limits.output`` bytes
        with a note of how much was cut from the middle.
    elapsed : float
        Wall-clock seconds, launch to end.
    isolation : str
        What confined it, e.g. ``"namespaces pid+mount+net+ipc+uts, uid 2000001234, ..."`` or
        ``"reduced: no namespaces ..."``.
    """

    ending: Ending
    output: str
    elapsed: float
    isolation: str

    @property
    def ok(self) -> bool:
        return self.ending.ok


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


def status_ending(status: int, cpu_seconds: float, cpu_limit: int, last_line: bytes) -> Ending:
    """The Ending of a wait status; ``last_line``: that of the child's output."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number == signal.SIGKILL and cpu_seconds >= cpu_limit:     # the hard CPU limit is SIGKILL
            return Ending(CPU_TIME, signal=number)
        return Ending(LIMIT_SIGNALS.get(number, SIGNAL), signal=number)
    code = os.WEXITSTATUS(status)
    if code == 0:
        return Ending(OK, code=0)
    for pattern, kind in LIMIT_EXCEPTIONS:
        if pattern.match(last_line):
            return Ending(kind, code=code)
    exception = EXCEPTION_LINE.match(last_line)
    # The child wrote that line: what of it reaches a report is cut to the size of an exception's name.
    return Ending(EXITED, code=code, exception=exception.group(1).decode()[:200] if exception else "")
