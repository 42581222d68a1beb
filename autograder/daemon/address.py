"""Where a user's grader daemon listens, and which daemon a command may use.

A daemon serves one grader: one set of sources (their sizes and modification times, as Python's own
bytecode cache checks them), one interpreter and its installed packages (site-packages' modification
time), and the environment the grader's caches depend on. Its
socket is named by a key made of all three, so that a command always reaches a daemon that would grade
exactly as the command itself would; a changed grader gets a new daemon, and the old one idles out.

The socket lives in a folder of the user's own, mode 0700 (``$NNHW_DAEMON_DIR``, else
``$XDG_RUNTIME_DIR/nnhw``, else ``/tmp/nnhw-<uid>``); a folder that is not the user's alone means no
daemon at all. Standard library C modules only: the client imports this on every ``grade``.
"""

import os
import stat
import sys

try:
    from _blake2 import blake2b            # hashlib imports OpenSSL: ~10 ms of a command of ~20
except ImportError:                        # pragma: no cover - an interpreter built without it
    from hashlib import blake2b

SWITCH = "NNHW_DAEMON"                     # "0": every command grades in its own process
DIR_VARIABLE = "NNHW_DAEMON_DIR"
IDLE_VARIABLE = "NNHW_DAEMON_IDLE"
IDLE_SECONDS = 600.0                       # a daemon exits after this long without a command
# What the grader's process-wide caches (the scratch root, the temporary folder, the interpreter's
# encodings) depend on besides its sources: commands that differ here get different daemons.
KEYED_ENVIRONMENT = ("TMPDIR", "LANG", "LC_ALL", "LC_CTYPE", "PYTHONIOENCODING", "PYTHONUTF8", "PYTHONPATH",
                     "PYTHONHOME", "PYTHONWARNINGS", "PYTHONHASHSEED", "OPENBLAS_NUM_THREADS",
                     "OMP_NUM_THREADS", "MKL_NUM_THREADS")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The grader's sources: its package (the reference, the rubric and the messages included), the region
# parser, and the handout (the fork server compiles it once).
SOURCE_TREES = ("autograder", "hw1_student")
SOURCE_FILES = ("make_submission.py",)
MAX_SOCKET_PATH = 107                      # sun_path's size, less its terminating NUL


def enabled(environ=os.environ) -> bool:
    return environ.get(SWITCH, "1") != "0"


def idle_seconds(environ=os.environ) -> float:
    try:
        return max(float(environ.get(IDLE_VARIABLE, IDLE_SECONDS)), 0.0)
    except ValueError:
        return IDLE_SECONDS


def folder(environ=os.environ) -> str | None:
    """The user's daemon folder, made if need be; None when it is not the user's alone (mode 0700)."""
    chosen = environ.get(DIR_VARIABLE)
    if not chosen:
        runtime = environ.get("XDG_RUNTIME_DIR")
        chosen = os.path.join(runtime, "nnhw") if runtime else f"/tmp/nnhw-{os.geteuid()}"
    chosen = os.path.abspath(chosen)       # the daemon runs in another folder
    try:
        os.mkdir(chosen, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        info = os.lstat(chosen)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o077:
        return None                        # someone else's, or open to others: never trusted
    return chosen


def key(environ=os.environ) -> str:
    """What a daemon must share with a command to grade for it (see the module's docstring)."""
    digest = blake2b(digest_size=12)
    digest.update(f"{sys.executable}\0{sys.version}\0".encode())
    for name in KEYED_ENVIRONMENT:
        digest.update(f"{name}={environ.get(name, '')}\0".encode(errors="surrogateescape"))
    for relative, size, modified in _sources():
        digest.update(f"{relative}\0{size}\0{modified}\0".encode(errors="surrogateescape"))
    for folder in sys.path:                # a package installed or removed (NumPy, rich) changes these
        if os.path.basename(folder) == "site-packages":
            digest.update(f"{_stat(folder)}\0".encode(errors="surrogateescape"))
    return digest.hexdigest()


def socket_path(environ=os.environ) -> str | None:
    """``<folder>/<key>.sock``, or None when there is no usable folder or the path is too long."""
    where = folder(environ)
    if where is None:
        return None
    path = os.path.join(where, key(environ) + ".sock")
    return path if len(os.fsencode(path)) <= MAX_SOCKET_PATH else None


def _sources():
    """(path relative to the repository, size, mtime in ns) of every source file of the grader."""
    found = []
    for name in SOURCE_FILES:
        found += _stat(name)
    for tree in SOURCE_TREES:
        folders = [tree]
        while folders:
            current = folders.pop()
            try:
                entries = sorted(os.scandir(os.path.join(REPO, current)), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                relative = os.path.join(current, entry.name)
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        folders.append(relative)
                else:
                    found += _stat(relative)
    return found


def _stat(relative):
    """[(relative, size, mtime in ns)] of a path relative to the repository (or absolute); [] if none."""
    try:
        info = os.stat(os.path.join(REPO, relative))
    except OSError:
        return []
    return [(relative, info.st_size, info.st_mtime_ns)]
