"""Turn the PATH a TA hands to the grader into the student's regions, without trusting anything in it.

PATH may be a ``hw1_student`` package folder, a folder holding one (the course's upload
``<name>_<id>_hw1_student/``), a zip of either (the upload folder, ``hw1_student/`` or the package's files
at its top), or a ``submission.md``. A package's ``.py`` files are preferred to a ``submission.md`` beside
them: they are what the student ran.

Zip members are read in memory, never extracted, and never used as paths: the modules the manifest names
are written, flat and under the manifest's names, into a private temporary folder for the one region
parser (``regions.collect``). Entries that point outside the zip, symbolic links, and members or
totals beyond the size caps are skipped with a notice.
"""

import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from regions import (CHANGED_OUTSIDE, PACKAGE, RegionError, collect, find_regions, parse_submission,
                     region_text_problem, splice)

from .messages import Msg, msg
from .render.text import one_line
from .rubric import SECTIONS
from .submitted_files import (MAX_FILE_BYTES, SubmissionError, Unread, folder_files, plural, read_capped,
                              zip_files)

_SCORED_REGIONS = frozenset(rid for section in SECTIONS if section.points for rid in section.regions)
MAX_LISTED = 5                    # skipped entries named one by one in the notices
MAX_REGION_BYTES = 20 * 1024      # a region's text; a correct one is under 2 KB
MAX_PARSED_BYTES = 256 * 1024     # a package's modules, their oversized regions stubbed: the handout is 44 KB
MAX_NOTICES, NOTICE_CHARS, NAME_CHARS = 20, 300, 100    # what a report holds of the submission's own words
SUBMISSION_MD = "submission.md"

_UPLOAD_NAME = re.compile(rf"(?P<name>.+)_(?P<id>[^_]+)_{PACKAGE}(?:\s*\(\d+\))?")   # "(1)": a re-download


@dataclass(frozen=True)
class LoadedSubmission:
    """The regions found at one PATH, and what the student should know about how they were read.

    ``regions`` maps each region id the manifest knows to its text (whole lines); a region that could
    not be read is absent. ``notices`` are one-line, student-readable strings. ``oversized``: ``(region
    id, bytes)`` of each region over ``MAX_REGION_BYTES``, never parsed, whose text here is a stub.
    """

    label: str
    regions: dict
    notices: tuple = ()
    student_name: str | None = None
    student_id: str | None = None
    oversized: tuple = ()


def load_submission(path, manifest):
    """The regions of the submission at ``path``; ``manifest`` is the handout's ``_handout.json``.

    Raises SubmissionError when nothing can be graded: PATH does not exist, is an empty folder, holds
    neither a package nor a submission.md, is not a zip or a corrupt one, or is not a submission.md.
    """
    label, path = str(path), Path(path)
    if not path.exists() and not path.is_symlink():
        raise SubmissionError(label, "does not exist")
    if path.is_dir():
        files = folder_files(path, label)
        return _load_files(files, manifest, label, empty="is an empty folder")
    if not path.is_file():
        raise SubmissionError(label, "is neither a folder, a zip nor a submission.md")
    if zipfile.is_zipfile(path):
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise SubmissionError(label, f"is a corrupt zip ({e})") from None
        with archive:
            return _load_files(zip_files(archive, label), manifest, label, empty="is an empty zip")
    if path.suffix.lower() == ".zip":
        raise SubmissionError(label, "is not a zip file, or a corrupt one")
    data = read_capped(label, path, MAX_FILE_BYTES)
    loaded = _from_markdown(data, path.name, manifest)
    return _finish(label, loaded, [], _name_candidates(path))


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
        except Unread as e:
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
    if len(files.skipped) > MAX_LISTED:
        listed = msg("notice:and_more", listed=listed, more=len(files.skipped) - MAX_LISTED)
    count = len(files.skipped)
    return [msg("notice:skipped", where=Path(files.label).name, count=count,
                kind=msg(f"noun:{plural(count, files.kind)}"), listed=listed)]


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
        notices.append(msg("notice:graded_one_package", where=Path(files.label).name, graded=f"{named[0]}/",
                           others=others))
        return named[0]
    shown = ", ".join(f"{f or '.'}/" for f in sorted(folders)[:MAX_LISTED])
    raise SubmissionError(files.label, f"holds {len(folders)} packages ({shown}); give one submission at a time")


def _find_markdown(files, notices):
    found = sorted((rel.count("/"), rel) for rel in files.handles
                   if rel.rpartition("/")[2].lower() == SUBMISSION_MD)
    if not found:
        return None
    if len(found) > 1:
        notices.append(msg("notice:several_md", where=Path(files.label).name, graded=found[0][1]))
    return found[0][1]


def _from_package(files, folder, manifest):
    """Regions of the package in ``folder``, through the one parser on a flat private copy."""
    prefix = f"{folder}/" if folder else ""
    graded, modules, shown, oversized, parsed = _graded_modules(manifest), {}, {}, {}, 0
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
            text, _ = _decoded(data, files.shown(rel), files.notices)
            if text is not None:                       # else the parser names the first byte that is not UTF-8
                data = _stub_oversized(text, name[:-3], oversized).encode("utf-8")
            parsed += len(data)
            if parsed > MAX_PARSED_BYTES:              # code outside the regions, past any honest module's size
                files.notices.append(msg("notice:unread", where=files.shown(rel), reason=(
                    f"not parsed: the modules would pass {MAX_PARSED_BYTES // 1024} KB outside the regions")))
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
        changed = problem.message.startswith(CHANGED_OUTSIDE)
        notices.append(msg("notice:changed_outside", where=problem.path) if changed else str(problem))
    regions = {rid: _whole_lines(region.text) for rid, region in collected.regions.items()}
    return LoadedSubmission("", regions, tuple(notices), oversized=tuple(sorted(oversized.items())))


def _from_markdown(data, shown, manifest):
    notices = []
    text, where = _decoded(data, shown, notices)
    if text is None:
        notices.append(msg("notice:not_utf8", where=where))
        text = data.decode("utf-8", errors="replace")
    try:
        sub = parse_submission(text, shown)
    except RegionError as e:
        raise SubmissionError(f"{e.path}:{e.line}" if e.line is not None else e.path, e.message) from None
    notices += [str(p) for p in sub.problems]
    known = [rid for info in manifest["modules"].values() for rid in info["regions"]]
    regions = {rid: _whole_lines(sub.regions[rid]) for rid in known if rid in sub.regions}
    oversized = {rid: len(regions[rid].encode()) for rid in regions if len(regions[rid].encode()) > MAX_REGION_BYTES}
    regions.update({rid: "" for rid in oversized})
    notices += [msg("notice:unknown_region", where=shown, region=rid) for rid in sub.regions if rid not in known]
    for rid in [rid for rid in regions if region_text_problem(regions[rid])]:
        # A hand-edited submission.md can hold what no region can: grade the rest without it.
        notices.append(msg("notice:region_problem", where=shown, region=rid,
                           problem=region_text_problem(regions.pop(rid))))
    named = {getattr(p, "region", None) for p in sub.problems}      # already said why, e.g. truncated
    # A region of a 0-point section (practice, optional) missing from an older submission.md costs nothing:
    # naming it would only alarm the student.
    missing = [rid for rid in known if rid not in sub.regions and rid not in named and rid in _SCORED_REGIONS]
    if missing:
        notices.append(msg("notice:missing_regions", where=shown, kind=msg(f"noun:{plural(len(missing), 'region')}"),
                           regions=", ".join(missing)))
    return LoadedSubmission("", regions, tuple(notices), sub.name.strip() or None, sub.student_id.strip() or None,
                            tuple(sorted(oversized.items())))


def _finish(label, loaded, notices, name_candidates):
    name, student_id = loaded.student_name, loaded.student_id
    if name is None or student_id is None:
        for candidate in name_candidates:
            match = _UPLOAD_NAME.fullmatch(candidate)
            if match:
                name, student_id = name or match["name"], student_id or match["id"]
                break
    notices = [*notices, *loaded.notices, *(too_large(rid, size) for rid, size in loaded.oversized)]
    # The report's size is bounded whatever the submission holds: so many notices, of so many characters.
    shown = [_capped(n) for n in notices[:MAX_NOTICES]]
    if len(notices) > MAX_NOTICES:
        shown.append(msg("notice:more", count=len(notices) - MAX_NOTICES))
    return LoadedSubmission(label, loaded.regions, tuple(shown), name and one_line(name, NAME_CHARS),
                            student_id and one_line(student_id, NAME_CHARS), loaded.oversized)


def _capped(notice):
    """A notice, each of its words from the submission (a file name, a region id) cut to ``NOTICE_CHARS``."""
    if isinstance(notice, Msg):
        return Msg(notice.key, tuple((k, _capped(v)) for k, v in notice.args))
    return one_line(notice, NOTICE_CHARS) if isinstance(notice, str) else notice


def _decoded(data, shown, notices):
    """``(text, "file:line" of the first byte that is not UTF-8)`` of a student's file: UTF-8, else GB18030
    (the GBK that Chinese Windows editors save in) with a notice; the text is None when it is neither."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        where = f"{shown}:{line}"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None, where
    notices.append(msg("notice:gb18030", where=where))
    return text, where


def _stub_oversized(text, module, oversized):
    """``text`` with each region over ``MAX_REGION_BYTES`` replaced by a stub, before anything parses it
    whole; ``oversized`` gets their ids and sizes."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    try:
        big = [r for r in find_regions(text, module) if len(r.text.encode()) > MAX_REGION_BYTES]
    except RegionError:                       # the parser says what, on the file as it is
        return text
    oversized.update({r.id: len(r.text.encode()) for r in big})
    return splice(text, module, {r.id: f"{r.indent}raise NotImplementedError({r.id!r})\n" for r in big})


def too_large(region, size):
    """The words for a region of ``size`` bytes, over ``MAX_REGION_BYTES``: it is not graded."""
    return msg("reason:oversized", region=region, size=f"{size / 1024:.0f} KB", limit=f"{MAX_REGION_BYTES // 1024} KB")


def upload_identity(path):
    """``(name, student id)`` from PATH's own name when it follows the course's ``<name>_<id>_hw1_student``
    (a zip's or a .md's stem), else None. Reads nothing: the batch names its entries with it."""
    match = _UPLOAD_NAME.fullmatch(_name_candidates(path)[0])
    return (match["name"], match["id"]) if match else None


def _name_candidates(path):
    """Names that may be the course's ``<name>_<id>_hw1_student``: PATH's own, then its parent's (when
    PATH is the package inside an upload folder)."""
    path = Path(os.path.abspath(path))
    stem = path.stem if path.suffix.lower() in (".zip", ".md") else path.name
    return [stem, path.parent.name]


# --- small helpers ----------------------------------------------------------------------------------

def _whole_lines(text):
    """A region's text always ends in a newline, so splicing it never glues a line to the END marker."""
    return text if not text or text.endswith("\n") else text + "\n"
