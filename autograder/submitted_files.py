"""The files of a submitted folder or zip, read without trusting anything in them.

Symbolic links are refused, never followed; zip members are read in memory, never extracted, and no
entry name ever becomes a path on disk; every file and the total read from one PATH are capped, so a
zip bomb is read no further than the caps.
"""

import os
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .messages import msg
from .render.text import one_line

# What is read is only scanned for regions; what is parsed whole is capped in ``load``.
MAX_FILE_BYTES = 4 * 2**20        # one module or submission.md
MAX_TOTAL_BYTES = 8 * 2**20       # everything read from one PATH
MAX_ENTRIES = 10_000              # files in a folder or entries in a zip

# Folders that tools add beside a student's files and that never hold the submission.
_IGNORED_DIRS = frozenset({"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", ".venv"})


class SubmissionError(Exception):
    """Nothing can be graded; ``str`` is one line naming the path and why."""

    def __init__(self, path, reason):
        super().__init__(reason)
        self.path, self.reason = str(path), reason

    def __str__(self):
        return one_line(f"{self.path}: {self.reason}")


@dataclass
class SubmittedFiles:
    """The regular files of a folder or a zip by relative POSIX path, read on demand within the caps.

    ``handles`` holds what ``read_handle(handle, limit)`` needs to read one file (a Path or a ZipInfo);
    ``skipped`` the entries refused for what they are (a link, a path leaving PATH), by display name.
    """

    label: str
    kind: str                   # "file" or "zip entry", for the notices
    handles: dict
    read_handle: object
    skipped: list = field(default_factory=list)
    notices: list = field(default_factory=list)
    budget: int = field(default_factory=lambda: MAX_TOTAL_BYTES)    # bytes still allowed to be read

    def shown(self, rel):
        """A file's name in the notices: PATH's own name, then the path inside it."""
        return f"{Path(self.label).name or self.label}/{rel}"

    def read(self, rel):
        """The bytes of one file; raises Unread, saying why, when it is too large or cannot be read."""
        limit = min(MAX_FILE_BYTES, self.budget)
        try:
            data = self.read_handle(self.handles[rel], limit)
        except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, zlib.error) as e:
            raise Unread(f"cannot be read ({_reason(e)})") from None
        if data is None or len(data) > limit:
            if limit < MAX_FILE_BYTES:
                raise Unread(f"not read: the files read would pass the {_mb(MAX_TOTAL_BYTES)} limit")
            raise Unread(f"larger than {_mb(MAX_FILE_BYTES)}; not read")
        self.budget -= len(data)
        return data

    def read_or_notice(self, rel):
        """``read``, or None with a notice."""
        try:
            return self.read(rel)
        except Unread as e:
            self.notices.append(msg("notice:unread", where=self.shown(rel), reason=str(e)))
            return None


class Unread(Exception):
    """A file that is not read, and why."""


def folder_files(root, label):
    """The regular files under ``root``; symbolic links are refused, never followed."""
    def refuse(error):
        raise SubmissionError(error.filename or label, f"cannot be read ({error.strerror})")

    handles, skipped = {}, []
    for folder, dirnames, filenames in os.walk(root, onerror=refuse):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_DIRS)
        for name in sorted(filenames):
            full = Path(folder, name)
            rel = full.relative_to(root).as_posix()
            if len(handles) + len(skipped) >= MAX_ENTRIES:
                raise SubmissionError(label, f"holds more than {MAX_ENTRIES} files; is it one student's folder?")
            mode = os.lstat(full).st_mode
            if stat.S_ISLNK(mode):
                skipped.append(f"{rel} (a symbolic link)")
            elif stat.S_ISREG(mode):
                handles[rel] = full
            else:
                skipped.append(f"{rel} (not a regular file)")
        for name in dirnames:
            if Path(folder, name).is_symlink():
                skipped.append(f"{Path(folder, name).relative_to(root).as_posix()}/ (a symbolic link)")
    return SubmittedFiles(label, "file", handles, _read_regular_file, skipped)


def _read_regular_file(path, limit):
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        return f.read(limit + 1)


def zip_files(archive, label):
    """The zip's file entries by normalised path. Nothing is extracted, and no entry name ever
    becomes a path on disk; those that would leave the zip, and links, are refused anyway."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise SubmissionError(label, f"has {len(infos)} entries, more than the {MAX_ENTRIES} a submission may hold")
    handles, skipped = {}, []
    for info in infos:
        name = _entry_name(info)
        parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
        if info.is_dir() or any(p in _IGNORED_DIRS for p in parts):
            continue
        if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name) or ".." in parts:
            skipped.append(f"{name!r} (its path leaves the zip)")
        elif stat.S_ISLNK(info.external_attr >> 16):
            skipped.append(f"{name!r} (a symbolic link)")
        elif "/".join(parts) in handles:
            skipped.append(f"{name!r} (a second entry of that name; the first is read)")
        elif parts:
            handles["/".join(parts)] = info
    return SubmittedFiles(label, "zip entry", handles, lambda info, limit: _read_member(archive, info, limit), skipped)


def _read_member(archive, info, limit):
    if info.file_size > limit:                # never decompressed: too large by its own header already
        return None
    with archive.open(info) as member:       # reading at most limit + 1 bytes bounds a lying header too
        return member.read(limit + 1)


def _entry_name(info):
    """An entry's name. Without the UTF-8 flag zipfile decodes names as cp437, but the course's zips are
    made on Chinese Windows (GBK) or by tools that write UTF-8 without setting the flag."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return info.filename


def read_capped(label, path, limit):
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise SubmissionError(label, f"cannot be read ({_reason(e)})") from None
    if len(data) > limit:
        raise SubmissionError(label, f"is larger than {_mb(limit)}; a submission.md is a few kB")
    return data


def plural(count, noun):
    """The noun for ``count`` of them: "file" or "files", "zip entry" or "zip entries"."""
    if count == 1:
        return noun
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def _reason(error):
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _mb(size):
    return f"{size / 2**20:g} MB"
