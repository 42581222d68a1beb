"""``run_child``: one untrusted Python script, start to end, in the strongest sandbox available."""

import functools
import os
import stat
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from .forking import fork_server, launch_forked
from .isolation import describe, isolation_mode
from .launch import PYTHON_FLAGS, SandboxError, launch
from .layout import python_dirs
from .limits import Limits
from .outcome import ChildOutcome


def run_child(scratch: Path, script: str, args: Sequence[str], limits: Limits = Limits(), *,
              private: Sequence[str | os.PathLike] = (), preload: Iterable[str] = (),
              precompiled: Iterable[str | os.PathLike] = (), fork_server_ok: bool = True) -> ChildOutcome:
    """Run ``<python> -P -s -B <scratch>/<script> *args`` as untrusted code and wait for it.

    Parameters
    ----------
    scratch : Path
        A directory the caller prepared (the script, the package it grades, its inputs). It becomes the
        child's working directory and HOME, and the only place it can write besides a private /tmp;
        ``<scratch>/out/`` is created for the results (read them with ``read_results``) and
        ``<scratch>/tmp/`` for its TMPDIR. Once the run is over, scratch holds what the caller put there
        and the files the run wrote directly in ``out/``, and nothing else it wrote (with namespaces, the
        run writes to a copy of scratch on a tmpfs of its own). As root, the run's uid owns what it sees
        of scratch.
    script : str
        The script's path relative to ``scratch``.
    args : list of str
        Its arguments.
    limits : Limits
        Time, memory, CPU, file size, processes and output kept.
    private : sequence of paths
        Folders the child must not see, even where a folder it needs (its Python) would show them: all
        of their entries but those holding what it needs are covered (namespace modes; in the reduced
        mode the child sees what its uid may read).
    preload, precompiled : iterables
        Modules the script imports, and trusted source files it executes or imports as they are: the
        fork server imports and compiles them once, when it starts (``forking.ForkServer``). They change
        nothing but the time a run takes.
    fork_server_ok : bool
        Let the grader's fork server (``forking.py``) start the run, where the mode allows it: the same
        sandbox, without a new interpreter and ``import numpy`` per run. False: always a fresh one.

    Returns
    -------
    ChildOutcome
        How it ended. Whatever the child does, this returns (the child cannot reach the grader) and no
        process of the run is left, except in the reduced mode (see ``ChildOutcome.isolation``).

    Notes
    -----
    ``-P -s`` with an environment made entirely by the sandbox is ``-I`` without ``-E``, which would
    drop ``PYTHONHASHSEED=0``. Neither puts the script's directory on ``sys.path``: the script adds
    what it imports. Thread-safe: each call is independent. The fork server is used where a student
    cannot reach it: in the namespace modes, and in mode "none" as root (the run has its own uid).

    Raises
    ------
    SandboxError
        When the sandbox itself fails (never because of what the child does).
    """
    scratch = Path(scratch).resolve(strict=True)
    script_path = (scratch / script).resolve()
    if scratch not in script_path.parents or not script_path.is_file():
        raise ValueError(f"script {script!r} is not a file inside {scratch}")
    for folder in ("out", "tmp"):
        (scratch / folder).mkdir(exist_ok=True)
    if not os.access(scratch, os.R_OK | os.X_OK):
        raise SandboxError(f"{scratch} is not readable by the grader")
    mode = isolation_mode()
    as_root_without_namespaces = mode == "none" and os.geteuid() == 0
    if as_root_without_namespaces:
        for needed, what in [(scratch, "scratch folder"), *_python_dirs()]:
            _check_reachable(needed, what)
    python_args = [*PYTHON_FLAGS, str(script_path), *map(str, args)]
    private = [str(folder) for folder in private]
    if fork_server_ok and _forking_allowed(mode):
        outcome = launch_forked(fork_server(preload, precompiled), mode, scratch, python_args, limits, describe,
                                private)
        if outcome is not None:
            return outcome
    return launch(mode, scratch, python_args, limits, describe, private)


def _forking_allowed(mode: str) -> bool:
    """Where a student cannot reach the fork server: the namespace modes, and mode "none" as root."""
    return mode != "none" or os.geteuid() == 0


def warm_up(*, preload: Iterable[str] = (), precompiled: Iterable[str | os.PathLike] = ()) -> threading.Thread:
    """Find the sandbox mode and start the fork server in the background, so that their cost overlaps the
    grader's own start (imports, reading the submission); the first ``run_child`` then finds them ready.
    ``preload`` and ``precompiled``: as for ``run_child``. Returns the thread (a daemon): joining it is
    never needed."""
    preload, precompiled = list(preload), list(precompiled)

    def start():
        if _forking_allowed(isolation_mode()):
            fork_server(preload, precompiled).start()
    thread = threading.Thread(target=start, name="sandbox-warm-up", daemon=True)
    thread.start()
    return thread


@functools.cache
def _python_dirs() -> tuple[tuple[Path, str], ...]:
    return tuple((Path(source), "Python (or NumPy)") for source, _ in python_dirs())


def _check_reachable(path: Path, what: str) -> None:
    """Without a mount namespace, the run's own uid reaches ``path`` through the host's folders."""
    for folder in path.parents:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            raise SandboxError(f"{path}: the sandbox runs the child as an unprivileged uid without "
                               f"namespaces, and {folder} is closed to other users; the {what} must be "
                               f"under folders they can enter (scratch folders: under /tmp)")
