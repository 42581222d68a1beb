"""What a child sees of the file system: a whitelist, computed in the grader from where Python lives.

A run's root is an empty read-only tmpfs holding only the system directories, the interpreter and NumPy
(read-only, each at its own path, so that ``/root`` shows nothing but the interpreter), at the scratch
directory's path a tmpfs of the run's memory limit holding a copy of it (only its ``out/`` files come
back), a private /tmp of ``Limits.file_size``, a fresh /proc and a few /dev nodes. The caller may name
private folders (the grader names its repository): their top-level entries that a bind above would
expose anyway (a system Python under it) get an empty read-only tmpfs over them.

An entry is ``(kind, source, dest)``, in mount order; ``jail.place`` performs it.
"""

import functools
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .limits import Limits

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
DEV_NODES = ("null", "zero", "full", "random", "urandom")
DEV_LINKS = (("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"), ("/proc/self/fd/1", "stdout"),
             ("/proc/self/fd/2", "stderr"))

Entry = tuple[str, str, str]
# Files and folders in a run's scratch tmpfs: past jail.MAX_SCRATCH_ENTRIES the supervisor stops the run;
# this is the kernel's bound for the moment before it does.
SCRATCH_INODES = 40_000


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


@functools.cache
def python_dirs() -> tuple[tuple[str, str], ...]:
    """(source, dest) of the directories the interpreter needs, as the grader's own Python finds them.

    The child is started as ``sys.executable`` (a venv's python is a venv only when started by its own
    path), so each directory is bound at its path as written and at its real path.
    """
    paths = [sys.base_prefix, sys.prefix, sys.base_exec_prefix, sys.exec_prefix,
             os.path.dirname(sys.executable)]
    numpy = importlib.util.find_spec("numpy")
    if numpy is not None and numpy.origin:
        paths.append(str(Path(numpy.origin).parent.parent))
    pairs = []
    for path in filter(None, paths):
        path = os.path.abspath(path)
        for dest in (os.path.realpath(path), path):
            if (os.path.realpath(path), dest) not in pairs:
                pairs.append((os.path.realpath(path), dest))
    return tuple(pairs)


@functools.cache
def base_layout() -> tuple[Entry, ...]:
    """The entries shared by every run: system, Python, /dev, /proc."""
    entries: list[Entry] = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            entries.append(("symlink", os.readlink(path), path))
        elif os.path.isdir(path):
            entries.append(("ro", path, path))
    for source, dest in sorted(python_dirs(), key=lambda pair: len(pair[1])):
        covered = any(_under(dest, kept) for _, _, kept in entries)
        if dest != "/" and os.path.isdir(source) and not covered:
            entries.append(("ro", source, dest))
    entries.append(("tmpfs", "size=64k,nr_inodes=64,mode=0755", "/dev"))
    entries += [("dev", f"/dev/{name}", f"/dev/{name}") for name in DEV_NODES
                if os.path.exists(f"/dev/{name}")]
    entries += [("symlink", target, f"/dev/{name}") for target, name in DEV_LINKS]
    entries.append(("proc", "", "/proc"))
    return tuple(entries)


def run_layout(scratch: Path, limits: Limits, private: Sequence[str] = ()) -> list[Entry]:
    """The full layout of one run, parents before children, the hiding tmpfs last. ``private``: folders
    of which the run must see nothing but what it needs (its Python, its scratch folder)."""
    entries = list(base_layout())
    entries.append(("tmpfs", f"size={limits.file_size},nr_inodes=4096,mode=1777", "/tmp"))
    # A tmpfs of the run's memory limit, with a copy of scratch (see jail.py), at scratch's path: what
    # the run writes there cannot outgrow it, and the supervisor counts it as the run's memory.
    entries.append(("scratch", f"size={limits.memory},nr_inodes={SCRATCH_INODES},mode=0700", str(scratch)))
    entries.sort(key=lambda entry: entry[2].rstrip("/").count("/"))   # stable: ties keep their order
    needed = [dest for _, dest in python_dirs()] + [str(scratch)]
    for folder in map(os.path.abspath, private):       # every entry but those holding what the run needs
        try:
            paths = [os.path.join(folder, name) for name in sorted(os.listdir(folder))]
        except OSError:
            continue
        entries += [("hide", "", path) for path in paths if not any(_under(need, path) for need in needed)]
    return entries
