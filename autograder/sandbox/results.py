"""Reading what a child wrote: ``<scratch>/out/*.npz``, as numbers only, never raising.

The files were written by untrusted code, so the directory and each file are opened without following
symlinks, each must be a regular file, and is read whole into memory before parsing (nothing can change
under the parser). Each member's ``.npy`` header is read before its data: only bool, integer and float
arrays are loaded, copied out of the bytes (nothing is ever unpickled); object, string, structured,
complex and datetime arrays are dropped, and a member whose data is not exactly what its header declares
makes the file malformed. ``max_bytes`` bounds each file's size, and the declared (uncompressed) size of
everything kept, so neither a big file nor a zip bomb can exhaust the grader's memory.
"""

import io
import math
import os
import re
import stat
import zipfile
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


_HEADER = re.compile(rb"\{'descr': '([<>|=]?[biuf]\d{1,2})', 'fortran_order': (False|True), "
                     rb"'shape': \((|\d+,|\d+(?:, \d+)+)\), \} *\n")


def _header(raw: bytes) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, fortran order, dtype, offset of the data) of one ``.npy`` member.

    The header ``np.save`` writes is matched exactly; any other is read by NumPy's own parser (a literal
    evaluation, ~30 µs: most of what reading a result used to cost).
    """
    stream = io.BytesIO(raw)
    version = np.lib.format.read_magic(stream)
    if version not in ((1, 0), (2, 0)):    # 3.0 only adds UTF-8 field names: structured, dropped anyway
        raise ValueError(f"unsupported .npy version {version}")
    size_bytes = 2 if version == (1, 0) else 4
    size = int.from_bytes(raw[8:8 + size_bytes], "little")
    start = 8 + size_bytes
    match = _HEADER.fullmatch(raw, start, start + size)
    if match is None:
        read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        shape, fortran, dtype = read(stream)
        return shape, fortran, dtype, stream.tell()
    shape = tuple(int(n) for n in match[3].split(b",") if n.strip())
    return shape, match[2] == b"True", np.dtype(match[1].decode()), start + size


def _load_npz(data: bytes, budget: int) -> tuple[dict[str, np.ndarray], int] | None:
    """The numeric arrays of one archive and their size in bytes, or None when it is malformed."""
    arrays: dict[str, np.ndarray] = {}
    used = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if info.filename.endswith(".npy")]
            if len(members) > MAX_MEMBERS or sum(info.file_size for info in members) > budget:
                return None
            for info in members:
                raw = archive.read(info)               # its declared size is within the budget; CRC checked
                shape, fortran, dtype, offset = _header(raw)
                if dtype.kind not in KEPT_KINDS or dtype.hasobject or dtype.fields is not None:
                    continue
                count = math.prod(shape)
                nbytes = count * dtype.itemsize
                if used + nbytes > budget or len(raw) - offset != nbytes:
                    return None
                array = np.frombuffer(raw, dtype, count, offset).reshape(shape, order="F" if fortran else "C")
                # A copy of its own, writable, in native byte order (the parent's arithmetic wants it so).
                arrays[info.filename[: -len(".npy")]] = array.astype(dtype.newbyteorder("="), order="C")
                used += nbytes
    except Exception:                      # malformed in any way: zip, header, data, CRC, sizes
        return None
    return arrays, used


def read_results(out_dir: Path, max_bytes: int = 64 * 2**20) -> dict[str, dict[str, np.ndarray]]:
    """Load the arrays a child wrote to ``out_dir``.

    Parameters
    ----------
    out_dir : Path
        The run's ``<scratch>/out``. Only regular files named ``*.npz`` directly in it are read, in
        name order; symlinks, directories, FIFOs and other files are skipped.
    max_bytes : int
        Bound on each file's size and on the total bytes of arrays returned; a file that would pass it
        is skipped whole.

    Returns
    -------
    dict
        ``{file stem: {key: array}}``, arrays in native byte order. A file that is malformed, too big
        or unreadable is missing; a key whose array is not bool, integer or float is missing.
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
