"""What the batch keeps in OUT, written atomically and read back.

``OUT/<key>/`` holds one student's ``results.json`` and ``feedback.md``, then ``report.json``, written
last: a student is done exactly when its report.json exists and its fingerprints match. The fingerprints
say what was graded (the entry's files) and by what (the grader's code, the rubric, the reference, the
timeout), so a changed submission or rubric is graded again. The language is not among them: report.json
holds the grader's findings as catalogue keys (``messages.Msg``), and results.json and feedback.md are
rendered from it in the language asked, on every run, and rewritten only when their text changes.
``OUT/entries.json`` lists every entry with its status and folder key: the record of which folder is whose.
"""

import hashlib
import json
import os
import shutil
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from regions import write_atomically

from .. import REPO_ROOT, report_io
from ..render.feedback import render_feedback
from ..render.gradescope import results_json_text
from ..submitted_files import MAX_TOTAL_BYTES

REPORT, RESULTS, FEEDBACK, INDEX = "report.json", "results.json", "feedback.md", "entries.json"
# What decides a grade: the grading code, the rubric, the reference, the one region parser and loop check.
GRADER_SOURCES = ("regions.py", "loop_check.py", "autograder/*.py", "autograder/sandbox/*.py",
                  "autograder/reference/*.py", "autograder/reference/data/*")
_CHUNK = 2**20


@dataclass(frozen=True)
class Stored:
    """A student's report.json: the report and the fingerprints it was graded under."""

    report: object
    entry_fingerprint: str
    grader_fingerprint: str


def save(folder, report, entry_fingerprint, grader_fingerprint, lang="en"):
    """Write the student's results.json, feedback.md and, last, report.json into ``folder``."""
    folder = Path(folder)
    folder.mkdir(exist_ok=True)
    render(folder, report, lang)
    data = report_io.to_data(report)
    data["fingerprint"] = {"entry": entry_fingerprint, "grader": grader_fingerprint}
    write_atomically(folder / REPORT, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def render(folder, report, lang="en"):
    """Write the student's results.json and feedback.md in ``lang``, each only when its text changes."""
    for name, text in ((RESULTS, results_json_text(report, lang)), (FEEDBACK, render_feedback(report, lang) + "\n")):
        path = Path(folder) / name
        try:
            if path.read_text(encoding="utf-8") == text:
                continue
        except (OSError, ValueError):
            pass
        write_atomically(path, text)


def load(folder):
    """The Stored report in ``folder``, or None when there is none or it cannot be read (then: grade again)."""
    try:
        data = json.loads((Path(folder) / REPORT).read_text(encoding="utf-8"))
        prints = data["fingerprint"]
        return Stored(report_io.from_data(data), str(prints["entry"]), str(prints["grader"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def entry_fingerprint(path):
    """SHA-256 of an entry: a file's bytes, or a folder's relative paths, sizes and bytes.

    Links are hashed by their target's name, never followed. Past ``MAX_TOTAL_BYTES`` of content (more than
    the grader ever reads), files count by path, size and mtime only, so a huge folder is not read whole.
    Raises OSError when the entry cannot be read.
    """
    path, digest, budget = Path(path), hashlib.sha256(), MAX_TOTAL_BYTES
    if not path.is_dir():
        _hash_file(digest, path)
        return digest.hexdigest()

    def refuse(error):
        raise error

    for root, dirs, files in os.walk(path, onerror=refuse):
        dirs.sort()
        for name in sorted(files) + [d for d in dirs if os.path.islink(os.path.join(root, d))]:
            full = Path(root, name)
            info = os.lstat(full)
            digest.update(f"\0{full.relative_to(path).as_posix()}\0{info.st_size}\0".encode("utf-8", "surrogateescape"))
            if stat.S_ISLNK(info.st_mode):
                digest.update(os.fsencode(os.readlink(full)))
            elif stat.S_ISREG(info.st_mode) and info.st_size <= budget:
                budget -= info.st_size
                _hash_file(digest, full)
            else:
                digest.update(str(info.st_mtime_ns).encode())
    return digest.hexdigest()


def _hash_file(digest, path):
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)


@lru_cache(maxsize=None)
def _grader_sources():
    digest = hashlib.sha256()
    for pattern in GRADER_SOURCES:
        for path in sorted(REPO_ROOT.glob(pattern)):
            if path.is_file():
                digest.update(f"\0{path.relative_to(REPO_ROOT).as_posix()}\0".encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def grader_fingerprint(timeout):
    """SHA-256 of what decides a grade: the grader's sources and the timeout (not the language: words are
    rendered from report.json, never graded again)."""
    return hashlib.sha256(f"{_grader_sources()}\0{timeout!r}".encode()).hexdigest()


# --- the index of entries ------------------------------------------------------------------------------

def remove_stale(out, entries):
    """Remove the folders of OUT that the last run's index gave to entries whose key is no longer theirs
    (``<id>/`` once the id is shared and the folders are ``<id>-<entry>/``, or an entry gone from DIR);
    returns the keys removed. Only folders the index names are touched, never what else a TA put in OUT."""
    try:
        old = {r["key"] for r in json.loads((Path(out) / INDEX).read_text(encoding="utf-8")) if r.get("key")}
    except (OSError, ValueError, TypeError, KeyError):
        return []
    stale = sorted(old - {e.key for e in entries if e.key} - {"", ".", ".."})
    for key in stale:
        if "/" not in key and (Path(out) / key).is_dir():
            shutil.rmtree(Path(out) / key)
    return stale


def save_index(out, entries):
    """Write ``OUT/entries.json``: every entry with its identity, key, status and reason."""
    records = [{"entry": e.label, "name": e.name, "id": e.student_id, "key": e.key, "status": e.status,
                "reason": e.reason, "duplicates": list(e.duplicates)} for e in entries]
    write_atomically(Path(out) / INDEX, json.dumps(records, ensure_ascii=False, indent=1) + "\n")
