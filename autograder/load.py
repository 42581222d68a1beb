"""Turn the PATH a TA hands to the grader into the student's regions, without trusting anything in it.

PATH may be a ``hw1_student`` package folder, a folder holding one (the course's upload
``<name>_<id>_hw1_student/``), a zip of either (the upload folder, ``hw1_student/`` or the package's files
at its top), or a ``submission.md``. A package's ``.py`` files are preferred to a ``submission.md`` beside
them: they are what the student ran.

Zip members are read in memory, never extracted, and never used as paths: the modules the manifest names
are written, flat and under the manifest's names, into a private temporary folder for the one region
parser (``make_submission.collect``). Entries that point outside the zip, symbolic links, and members or
totals beyond the size caps are skipped with a notice.
"""

import os
import re
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from make_submission import PACKAGE, RegionError, collect, parse_submission

from .render.text import one_line

MAX_FILE_BYTES = 8 * 2**20        # one module or submission.md
MAX_TOTAL_BYTES = 64 * 2**20      # everything read from one PATH
MAX_ENTRIES = 10_000              # files in a folder or entries in a zip
MAX_LISTED = 5                    # skipped entries named one by one in the notices
SUBMISSION_MD = "submission.md"

# Folders that tools add beside a student's files and that never hold the submission.
_IGNORED_DIRS = frozenset({"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git", ".venv"})
_UPLOAD_NAME = re.compile(rf"(?P<name>.+)_(?P<id>[^_]+)_{PACKAGE}(?:\s*\(\d+\))?")   # "(1)": a re-download


class SubmissionError(Exception):
    """Nothing can be graded; ``str`` is one line naming the path and why."""

    def __init__(self, path, reason):
        super().__init__(reason)
        self.path, self.reason = str(path), reason

    def __str__(self):
        return one_line(f"{self.path}: {self.reason}")


@dataclass(frozen=True)
class LoadedSubmission:
    """The regions found at one PATH, and what the student should know about how they were read.

    ``regions`` maps each region id the manifest knows to its text (whole lines); a region that could
    not be read is absent. ``notices`` are one-line, student-readable strings.
    """

    label: str
    regions: dict
    notices: tuple = ()
    student_name: str | None = None
    student_id: str | None = None


def load_submission(path, manifest):
    """The regions of the submission at ``path``; ``manifest`` is the handout's ``_handout.json``.

    Raises SubmissionError when nothing can be graded: PATH does not exist, is an empty folder, holds
    neither a package nor a submission.md, is not a zip or a corrupt one, or is not a submission.md.
    """
    label, path = str(path), Path(path)
    if not path.exists() and not path.is_symlink():
        raise SubmissionError(label, "does not exist")
    if path.is_dir():
        files = _folder_files(path, label)
        return _load_files(files, manifest, label, empty="is an empty folder")
    if not path.is_file():
        raise SubmissionError(label, "is neither a folder, a zip nor a submission.md")
    if zipfile.is_zipfile(path):
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise SubmissionError(label, f"is a corrupt zip ({e})") from None
        with archive:
            return _load_files(_zip_files(archive, label), manifest, label, empty="is an empty zip")
    if path.suffix.lower() == ".zip":
        raise SubmissionError(label, "is not a zip file, or a corrupt one")
    data = _read_capped(label, path, MAX_FILE_BYTES)
    loaded = _from_markdown(data, path.name, manifest)
    return _finish(label, loaded, [], _name_candidates(path))


# --- the files at PATH --------------------------------------------------------------------------------

@dataclass
class _Files:
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
        """The bytes of one file; raises _Unread, saying why, when it is too large or cannot be read."""
        limit = min(MAX_FILE_BYTES, self.budget)
        try:
            data = self.read_handle(self.handles[rel], limit)
        except _TooLarge:
            data = None
        except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, zlib.error) as e:
            raise _Unread(f"cannot be read ({_reason(e)})") from None
        if data is None or len(data) > limit:
            if limit < MAX_FILE_BYTES:
                raise _Unread(f"not read: the files read would pass the {_mb(MAX_TOTAL_BYTES)} limit")
            raise _Unread(f"larger than {_mb(MAX_FILE_BYTES)}; not read")
        self.budget -= len(data)
        return data

    def read_or_notice(self, rel):
        """``read``, or None with a notice."""
        try:
            return self.read(rel)
        except _Unread as e:
            self.notices.append(f"{self.shown(rel)}: {e}; not graded")
            return None


class _Unread(Exception):
    """A file that is not read, and why."""


class _TooLarge(Exception):
    """A member whose declared size already exceeds the cap: it is never decompressed."""


def _folder_files(root, label):
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
    return _Files(label, "file", handles, _read_regular_file, skipped)


def _read_regular_file(path, limit):
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as f:
        return f.read(limit + 1)


def _zip_files(archive, label):
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
    return _Files(label, "zip entry", handles, lambda info, limit: _read_member(archive, info, limit), skipped)


def _read_member(archive, info, limit):
    if info.file_size > limit:
        raise _TooLarge()
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


# --- finding and reading the submission ----------------------------------------------------------------

def _load_files(files, manifest, label, empty):
    if not files.handles and not files.skipped:
        raise SubmissionError(label, empty)
    notices = _skipped_notices(files)
    package = _find_package(files, manifest, notices)
    markdown = _find_markdown(files, notices) if package is None else None
    if package is None and markdown is None:
        raise SubmissionError(label, f"holds no {PACKAGE} package (its .py files) and no {SUBMISSION_MD}")
    if package is not None:
        loaded = _from_package(files, package, manifest)
        where = package
    else:
        try:
            data = files.read(markdown)
        except _Unread as e:
            raise SubmissionError(files.shown(markdown), str(e)) from None
        loaded = _from_markdown(data, files.shown(markdown), manifest)
        where = markdown.rpartition("/")[0]
    own, parent = _name_candidates(label)
    notices += files.notices
    return _finish(label, loaded, notices, [own, *reversed([p for p in where.split("/") if p]), parent])


def _skipped_notices(files):
    if not files.skipped:
        return []
    listed = "; ".join(files.skipped[:MAX_LISTED])
    more = f"; and {len(files.skipped) - MAX_LISTED} more" if len(files.skipped) > MAX_LISTED else ""
    return [f"{Path(files.label).name}: {len(files.skipped)} {_plural(len(files.skipped), files.kind)} ignored: "
            f"{listed}{more}"]


def _graded_modules(manifest):
    return {name for name, info in manifest["modules"].items() if info["regions"]}


def _find_package(files, manifest, notices):
    """The folder (relative, "" for the top) whose files include the graded modules, or None."""
    graded, folders = _graded_modules(manifest), set()
    for rel in files.handles:
        folder, _, name = rel.rpartition("/")
        if name in graded:
            folders.add(folder)
    if len(folders) <= 1:
        return next(iter(folders), None)
    named = sorted(f for f in folders if f.rpartition("/")[2] == PACKAGE)
    if len(named) == 1:
        others = ", ".join(f"{f or '.'}/" for f in sorted(folders - set(named)))
        notices.append(f"{Path(files.label).name}: graded {named[0]}/; also found modules in {others}, not graded")
        return named[0]
    shown = ", ".join(f"{f or '.'}/" for f in sorted(folders)[:MAX_LISTED])
    raise SubmissionError(files.label, f"holds {len(folders)} packages ({shown}); give one submission at a time")


def _find_markdown(files, notices):
    found = sorted((rel.count("/"), rel) for rel in files.handles
                   if rel.rpartition("/")[2].lower() == SUBMISSION_MD)
    if not found:
        return None
    if len(found) > 1:
        notices.append(f"{Path(files.label).name}: several {SUBMISSION_MD} files; graded {found[0][1]}")
    return found[0][1]


@dataclass
class _Loaded:
    regions: dict
    notices: list
    name: str | None = None
    student_id: str | None = None


def _from_package(files, folder, manifest):
    """Regions of the package in ``folder``, through the one parser on a flat private copy."""
    prefix = f"{folder}/" if folder else ""
    graded, modules, shown = _graded_modules(manifest), {}, {}
    with tempfile.TemporaryDirectory(prefix="nnhw-load-") as tmp:
        for name, info in sorted(manifest["modules"].items()):
            rel = prefix + name
            if rel not in files.handles:
                if name in graded:                     # collect reports it missing; others do not matter
                    modules[name] = info
                    shown[str(Path(tmp, name))] = files.shown(rel)
                continue
            data = files.read_or_notice(rel)
            if data is None:                           # too large or unreadable: files has said why
                continue
            Path(tmp, name).write_bytes(data)          # the manifest's name, never the zip's
            modules[name] = info
            shown[str(Path(tmp, name))] = files.shown(rel)
        collected = collect(tmp, {"modules": modules})
    notices = []
    for problem in collected.problems:
        # The report says "not implemented" per check already; one notice per stub would only repeat it.
        if not problem.fatal and problem.message.endswith(" is not filled in yet"):
            continue
        problem.path = shown.get(problem.path, problem.path)
        notices.append(str(problem))
    regions = {rid: _whole_lines(region.text) for rid, region in collected.regions.items()}
    return _Loaded(regions, notices)


def _from_markdown(data, shown, manifest):
    notices = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        notices.append(f"{shown}:{line}: not UTF-8; the bytes that are not were replaced by \ufffd")
        text = data.decode("utf-8", errors="replace")
    try:
        sub = parse_submission(text, shown)
    except RegionError as e:
        raise SubmissionError(f"{e.path}:{e.line}" if e.line is not None else e.path, e.message) from None
    notices += [str(p) for p in sub.problems]
    known = [rid for info in manifest["modules"].values() for rid in info["regions"]]
    regions = {rid: _whole_lines(sub.regions[rid]) for rid in known if rid in sub.regions}
    notices += [f"{shown}: region {rid} is not one of the handout's; ignored"
                for rid in sub.regions if rid not in regions]
    named = {getattr(p, "region", None) for p in sub.problems}      # already said why, e.g. truncated
    missing = [rid for rid in known if rid not in sub.regions and rid not in named]
    if missing:
        notices.append(f"{shown}: missing, so not graded: {_plural(len(missing), 'region')} {', '.join(missing)}")
    return _Loaded(regions, notices, sub.name.strip() or None, sub.student_id.strip() or None)


def _finish(label, loaded, notices, name_candidates):
    name, student_id = loaded.name, loaded.student_id
    if name is None or student_id is None:
        for candidate in name_candidates:
            match = _UPLOAD_NAME.fullmatch(candidate)
            if match:
                name, student_id = name or match["name"], student_id or match["id"]
                break
    return LoadedSubmission(label, loaded.regions, tuple(one_line(n) for n in notices + loaded.notices),
                            name, student_id)


def _name_candidates(path):
    """Names that may be the course's ``<name>_<id>_hw1_student``: PATH's own, then its parent's (when
    PATH is the package inside an upload folder)."""
    path = Path(os.path.abspath(path))
    stem = path.stem if path.suffix.lower() in (".zip", ".md") else path.name
    return [stem, path.parent.name]


# --- small helpers ----------------------------------------------------------------------------------

def _read_capped(label, path, limit):
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise SubmissionError(label, f"cannot be read ({_reason(e)})") from None
    if len(data) > limit:
        raise SubmissionError(label, f"is larger than {_mb(limit)}; a submission.md is a few kB")
    return data


def _whole_lines(text):
    """A region's text always ends in a newline, so splicing it never glues a line to the END marker."""
    return text if not text or text.endswith("\n") else text + "\n"


def _plural(count, noun):
    """The noun for ``count`` of them: "file" or "files", "zip entry" or "zip entries"."""
    if count == 1:
        return noun
    return noun[:-1] + "ies" if noun.endswith("y") else noun + "s"


def _reason(error):
    return getattr(error, "strerror", None) or str(error) or type(error).__name__


def _mb(size):
    return f"{size / 2**20:g} MB"
