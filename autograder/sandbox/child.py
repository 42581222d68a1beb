"""``run_child``: one untrusted Python script, start to end, in the strongest sandbox available."""

import os
from pathlib import Path

from .isolation import describe, isolation_mode
from .launch import PYTHON_FLAGS, SandboxError, launch
from .limits import Limits
from .outcome import ChildOutcome


def run_child(scratch: Path, script: str, args: list[str], limits: Limits = Limits()) -> ChildOutcome:
    """Run ``<python> -P -s -B <scratch>/<script> *args`` as untrusted code and wait for it.

    Parameters
    ----------
    scratch : Path
        A directory the caller prepared (the script, the package it grades, its inputs). It becomes the
        child's working directory and HOME, and the only place it can write besides a private /tmp;
        ``<scratch>/out/`` is created for the results (read them with ``read_results``). As root, the
        whole of scratch is given to the run's uid.
    script : str
        The script's path relative to ``scratch``.
    args : list of str
        Its arguments.
    limits : Limits
        Time, memory, CPU, file size, processes and output kept.

    Returns
    -------
    ChildOutcome
        How it ended. Whatever the child does, this returns (the child cannot reach the grader) and no
        process of the run is left, except in the reduced mode (see ``ChildOutcome.isolation``).

    Notes
    -----
    ``-P -s`` with an environment made entirely by the sandbox is ``-I`` without ``-E``, which would
    drop ``PYTHONHASHSEED=0``. Neither puts the script's directory on ``sys.path``: the script adds
    what it imports. Thread-safe: each call is independent.

    Raises
    ------
    SandboxError
        When the sandbox itself fails (never because of what the child does).
    """
    scratch = Path(scratch).resolve(strict=True)
    script_path = (scratch / script).resolve()
    if scratch not in script_path.parents or not script_path.is_file():
        raise ValueError(f"script {script!r} is not a file inside {scratch}")
    (scratch / "out").mkdir(exist_ok=True)
    if not os.access(scratch, os.R_OK | os.X_OK):
        raise SandboxError(f"{scratch} is not readable by the grader")
    return launch(isolation_mode(), scratch, [*PYTHON_FLAGS, str(script_path), *map(str, args)], limits,
                  describe)
