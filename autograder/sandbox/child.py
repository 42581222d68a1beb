"""``run_child``: one untrusted Python script, start to end, in the strongest sandbox this machine allows."""

import functools
import os
import stat
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from .forking import fork_server, launch_forked
from .launch import SandboxError, launch
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
    private : sequence of paths
        Folders the child must not see, even where a folder it needs (its Python) would show them: all
        of their entries but those holding what it needs are covered (namespace modes; in the reduced
        mode the child sees what its uid may read).
    preload, precompiled : iterables
        Modules the script imports, and trusted source files it executes or imports as they are: the
        fork server imports and compiles them once, when it starts. They change nothing but the time a
        run takes.
    fork_server_ok : bool
        Let the grader's fork server start the run where no student can reach it (the namespace modes,
        and mode "none" as root, where the run has its own uid): the same sandbox, without a new
        interpreter and ``import numpy`` per run. False: always a fresh one.

    Returns
    -------
    ChildOutcome
        How it ended. Whatever the child does, this returns (the child cannot reach the grader) and no
        process of the run is left, except in the reduced mode (see ``ChildOutcome.isolation``).

    Notes
    -----
    ``sys.path`` does not hold the script's directory: the script adds what it imports. Thread-safe.

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
    if mode == "none" and os.geteuid() == 0:
        for needed in [scratch, *(Path(source) for source, _ in python_dirs())]:
            _check_reachable(needed)
    argv = [str(script_path), *map(str, args)]
    private = [str(folder) for folder in private]
    if fork_server_ok and _forking_allowed(mode):
        outcome = launch_forked(fork_server(preload, precompiled), mode, scratch, argv, limits, private)
        if outcome is not None:
            return outcome
    return launch(mode, scratch, argv, limits, private)


def _forking_allowed(mode: str) -> bool:
    return mode != "none" or os.geteuid() == 0


def _check_reachable(path: Path) -> None:
    """Without a mount namespace, the run's own uid reaches ``path`` through the host's folders."""
    for folder in path.parents:
        if not os.stat(folder).st_mode & stat.S_IXOTH:
            raise SandboxError(f"{path}: the sandbox runs the child as an unprivileged uid without "
                               f"namespaces, and {folder} is closed to other users; scratch folders, "
                               f"Python and NumPy must be under folders they can enter (scratch folders: "
                               f"under /tmp)")


def warm_up(*, preload: Iterable[str] = (), precompiled: Iterable[str | os.PathLike] = ()) -> threading.Thread:
    """Find the sandbox mode and start the fork server in a daemon thread, while the grader starts (imports,
    reads the submission); the first ``run_child`` then finds them ready. ``preload`` and ``precompiled``:
    as for ``run_child``."""
    preload, precompiled = list(preload), list(precompiled)

    def start():
        if _forking_allowed(isolation_mode()):
            fork_server(preload, precompiled).start()
    thread = threading.Thread(target=start, name="sandbox-warm-up", daemon=True)
    thread.start()
    return thread


_PROBING = threading.Lock()


def isolation_mode() -> str:
    """"root", "userns" or "none": the strongest sandbox that works here, found once per process by
    trying a trivial run in each (threads asking while it is being found wait for that one probe)."""
    with _PROBING:
        return _probed_mode()


@functools.cache
def _probed_mode() -> str:
    for mode in ("root", "userns") if os.geteuid() == 0 else ("userns",):
        with tempfile.TemporaryDirectory(prefix="nnhw-probe-") as scratch:
            try:
                if launch(mode, Path(scratch), ["-c", "pass"], Limits(timeout=10)).ok:
                    return mode
            except SandboxError:
                pass
    return "none"
