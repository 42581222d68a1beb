"""Where the grader makes its runs' scratch folders: in memory when it can; a run's supervisor then counts
the files there against the run's memory limit (``jail.scratch_bytes``).

A section's scratch folder holds ~16 files, written, read and removed within ~30 ms. On this project's
machine, with /tmp on ext4, that cost the grader 15-36 ms of system time a submission (the inode
allocator slows down after many deletions), against 10 ms on a tmpfs. A scratch folder is writable by the
student, though, and a file in a tmpfs is memory that no process's resident size shows: so the run's
supervisor adds the scratch folder's size to the run's, wherever the folder is in memory (/tmp is a
tmpfs on many systems too).
"""

import functools
import os

IN_MEMORY = ("tmpfs", "ramfs")
SHM = "/dev/shm"
# A tmpfs smaller than this (Docker gives /dev/shm 64 MB) is not used: two runs at once may each fill
# their scratch up to their memory limit (Limits.memory, 2 GiB) before their supervisor stops them.
MIN_FREE = 4 * 2**30


@functools.cache
def scratch_root() -> str | None:
    """The folder to make scratch folders in: /dev/shm when it is a writable tmpfs with room, else None
    (``tempfile``'s choice). A TMPDIR set by the TA is always obeyed."""
    if os.environ.get("TMPDIR"):
        return None
    try:
        room = os.statvfs(SHM)
    except OSError:
        return None
    if not (in_memory(SHM) and os.access(SHM, os.W_OK | os.X_OK) and room.f_bavail * room.f_frsize >= MIN_FREE):
        return None
    return SHM


def in_memory(path) -> bool:
    """Whether the folder ``path`` is on a file system held in memory (its files count as the run's)."""
    return _filesystem_type(os.path.realpath(path)) in IN_MEMORY


@functools.lru_cache(maxsize=256)      # a class makes thousands of scratch folders; few are asked twice
def _filesystem_type(folder: str) -> str:
    """The type of the file system holding ``folder`` (a real path): that of the longest mount point
    above it in /proc/self/mounts, or "" when that cannot be read."""
    best, kind = "", ""
    try:
        with open("/proc/self/mounts", encoding="utf-8", errors="replace") as mounts:
            for line in mounts:
                fields = line.split()
                if len(fields) < 3:
                    continue
                point = _unescape(fields[1])
                inside = folder == point or folder.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(best):
                    best, kind = point, fields[2]
    except OSError:
        return ""
    return kind


def _unescape(field: str) -> str:
    """A mount point as /proc/self/mounts writes it: space, tab, newline and backslash as octal escapes."""
    for escape, char in (("\\040", " "), ("\\011", "\t"), ("\\012", "\n"), ("\\134", "\\")):
        field = field.replace(escape, char)
    return field
