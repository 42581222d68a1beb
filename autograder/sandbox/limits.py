"""The resource limits of one child run, defined once."""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one child may use. Every field is checked when the object is made.

    Attributes
    ----------
    timeout : float
        Wall-clock seconds from launch to the end of the child and everything it started.
    memory : int
        Bytes. Each process gets it as RLIMIT_AS, and the resident memory of all processes of the run
        together is held under it too (sampled every 50 ms). 2 GiB leaves ~1.9 GB for arrays after
        Python, NumPy and one OpenBLAS thread (~100 MB of address space).
    cpu : int or None
        CPU seconds per process (RLIMIT_CPU). None: ``ceil(timeout) + 1``, so that a single-threaded hang
        is reported as a timeout, and only threads burning several cores meet this limit first.
    file_size : int
        Bytes per file written (RLIMIT_FSIZE); also the size of the run's private /tmp.
    processes : int
        Processes and threads the run may have at once (RLIMIT_NPROC; each run has its own uid).
    output : int
        Bytes of stdout+stderr kept, the first and the last half; the rest is read and discarded.
    """

    timeout: float = 10.0
    memory: int = 2 * 2**30
    cpu: int | None = None
    file_size: int = 64 * 2**20
    processes: int = 8
    output: int = 64 * 1024

    def __post_init__(self):
        if not self.timeout > 0:
            raise ValueError(f"Limits.timeout must be a positive number of seconds, got {self.timeout!r}")
        for name in ("memory", "file_size", "processes", "output"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"Limits.{name} must be a positive int, got {value!r}")
        if self.cpu is not None and (not isinstance(self.cpu, int) or self.cpu < 1):
            raise ValueError(f"Limits.cpu must be None or a positive int of seconds, got {self.cpu!r}")

    @property
    def cpu_seconds(self) -> int:
        """The CPU limit in force: ``cpu``, or derived from ``timeout``."""
        return self.cpu if self.cpu is not None else math.ceil(self.timeout) + 1
