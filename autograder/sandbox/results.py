"""Reading what a child wrote: ``<scratch>/out/*.npz``, as numbers only, never raising.

The files were written by untrusted code. Each is opened without following symlinks, must be a regular
file no bigger than the cap, and is read whole into memory (nothing can change under the reader); NumPy's
own reader then takes it with ``allow_pickle=False``. Before any array is read, the archive's members are
counted and their declared sizes added up against what is left of the budget: the zip reader never
inflates a member past its declared size, so neither a big file nor a zip bomb can exhaust the grader's
memory. A file malformed in any way is refused whole; of the rest, only bool, integer and float arrays
are kept.
"""

import io
import os
import stat
from pathlib import Path

import numpy as np

KEPT_KINDS = "biuf"            # bool, signed and unsigned integers, floats
MAX_FILES = 1000
MAX_MEMBERS = 1000


def _read_regular_file(name: str, dir_fd: int, max_bytes: int) -> bytes | None:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:           # it grew after fstat
                return None
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _load_npz(data: bytes, budget: int) -> tuple[dict[str, np.ndarray], int] | None:
    """The numeric arrays of one archive and the bytes its members declare, or None when it is refused."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):       # a bare .npy under an .npz name
                return None
            members = archive.zip.infolist()
            declared = sum(info.file_size for info in members)
            if len(members) > MAX_MEMBERS or declared > budget:
                return None
            arrays = {}
            for key in archive.files:
                array = archive[key]
                if isinstance(array, np.ndarray) and array.dtype.kind in KEPT_KINDS and array.dtype.fields is None:
                    # Writable, C-ordered, in native byte order: the parent's arithmetic wants it so.
                    arrays[key] = np.asarray(array, dtype=array.dtype.newbyteorder("="), order="C")
    except Exception:                      # noqa: BLE001 - malformed in any way: zip, header, data, pickle
        return None
    return arrays, declared


def read_results(out_dir: Path, max_bytes: int = 64 * 2**20) -> dict[str, dict[str, np.ndarray]]:
    """Load the arrays a child wrote to ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        The run's ``<scratch>/out``. Only regular files named ``*.npz`` directly in it are read, in
        name order (at most ``MAX_FILES``).
    max_bytes : int
        Bound on each file's size, and on the total bytes its members and those of the files read
        before it declare; a file that would pass it is skipped whole.

    Returns
    -------
    dict
        ``{file stem: {key: array}}``, arrays in native byte order, writable and C-ordered.
    """
    try:                        # the child owns scratch: `out` itself may have become a symlink
        dir_fd = os.open(out_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return {}
    try:
        with os.scandir(dir_fd) as scan:
            names = sorted(entry.name for entry in scan
                           if entry.name.endswith(".npz") and entry.is_file(follow_symlinks=False))
        results: dict[str, dict[str, np.ndarray]] = {}
        budget = max_bytes
        for name in names[:MAX_FILES]:
            stem = name[: -len(".npz")]
            data = _read_regular_file(name, dir_fd, max_bytes) if stem else None
            loaded = None if data is None else _load_npz(data, budget)
            if loaded is not None:
                results[stem], used = loaded
                budget -= used
        return results
    except OSError:
        return {}
    finally:
        os.close(dir_fd)
