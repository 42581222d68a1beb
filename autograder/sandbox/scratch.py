"""Where the grader makes its runs' scratch folders: one folder per grader process, in memory when it can
(a section's few files are written and removed faster there than on a disk), removed at the process's exit.

The folder, ``nnhw-<pid>-*``, is locked by its grader while it runs: a grader killed by SIGKILL runs no
exit handler, so each grader's first use removes the folders that no running process holds (a lock,
unlike a pid, is never reused, and is seen across PID namespaces). What a run writes there counts against
its memory limit wherever it lives (``jail.written_bytes``).
"""

import atexit
import fcntl
import functools
import logging
import os
import re
import tempfile

from .removal import remove_tree

SHM = "/dev/shm"
# A tmpfs smaller than this (Docker gives /dev/shm 64 MB) is not used: two runs at once may each fill
# their scratch up to their memory limit (Limits.memory, 2 GiB) before their supervisor stops them.
MIN_FREE = 4 * 2**30
HELD = []                      # the open folder whose lock says this process runs


@functools.cache
def scratch_root() -> str:
    """This process's folder for scratch folders, made on first use: in /dev/shm when it is a writable
    tmpfs with room and the TA set no TMPDIR, else in ``tempfile``'s. Other users may pass through it (the
    reduced mode's runs, to their own scratch folders), not list it."""
    room = os.statvfs(SHM) if os.path.isdir(SHM) else None      # a tmpfs wherever Linux has it
    usable = room and room.f_bavail * room.f_frsize >= MIN_FREE and os.access(SHM, os.W_OK)
    base = SHM if usable and not os.environ.get("TMPDIR") else tempfile.gettempdir()
    for name in os.listdir(base):
        if re.match(r"nnhw-\d+-", name) and _abandoned(os.path.join(base, name)):
            remove(os.path.join(base, name))
    staged = tempfile.mkdtemp(prefix=f"nnhw-new-{os.getpid()}-", dir=base)    # locked before it is seen
    os.chmod(staged, 0o711)
    HELD.append(os.open(staged, os.O_RDONLY | os.O_CLOEXEC))
    fcntl.flock(HELD[-1], fcntl.LOCK_SH)
    folder = os.path.join(base, os.path.basename(staged).replace("nnhw-new-", "nnhw-", 1))
    os.rename(staged, folder)
    atexit.register(remove, folder)
    return folder


def _abandoned(path: str) -> bool:
    try:
        folder = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)   # fails while its grader holds it
        return True
    except OSError:
        return False
    finally:
        os.close(folder)


def remove(path: str) -> None:
    """``removal.remove_tree``, its failures logged: a folder left behind never stops the grader."""
    for failure in remove_tree(path):
        logging.getLogger(__name__).warning("could not remove %s", failure)
