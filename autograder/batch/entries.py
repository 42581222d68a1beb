"""The entries of a class's download folder: which are submissions, whose they are, and where their
results go.

An entry is graded when it is a folder, a zip or a ``.md`` file and a student id is known: from its name,
when it follows the course's ``<name>_<student id>_hw1_student``, else from what the grader's loader finds
inside (the ``submission.md`` header, or an upload folder's name one level down). An entry with no id
cannot go into a gradebook: it is skipped, with the reason and the fix.
"""

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..grade import pristine_manifest
from ..load import SubmissionError, load_submission, upload_identity
from ..render.text import one_line

PENDING, GRADED, ERROR, SKIPPED = "pending", "graded", "error", "skipped"
MAX_KEY = 80                    # characters of a per-student folder name

_UNSAFE = re.compile(r"[^\w-]+")       # a key is letters, digits, "_" and "-": no "/", "..", "." or controls


@dataclass(frozen=True)
class Entry:
    """One entry of the class folder.

    ``key`` names its folder under OUT (None when it is not graded); ``duplicates`` are the names of the
    other entries with the same student id; ``reason`` says why an entry is skipped or in error.
    """

    path: Path
    name: str | None = None
    student_id: str | None = None
    key: str | None = None
    status: str = PENDING
    reason: str = ""
    duplicates: tuple = ()

    @property
    def label(self):
        """The entry's own name, as the TA sees it in the folder."""
        return self.path.name


def discover(folder, out=None):
    """The entries of ``folder``, sorted by name, each with its status, identity and key.

    ``out`` (the batch's output folder) is left out when it lies inside ``folder``. Raises SubmissionError
    when ``folder`` is not a readable folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise SubmissionError(folder, "is not a folder; give the folder holding the class's submissions")
    try:
        paths = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as e:
        raise SubmissionError(folder, f"cannot be read ({e.strerror or e})") from None
    own = Path(out).resolve() if out is not None else None
    entries = [_identify(p) for p in paths if own is None or p.resolve() != own]
    return _with_keys(entries)


def _identify(path):
    if path.is_symlink():
        return Entry(path, status=SKIPPED, reason="a symbolic link; not followed")
    if not (path.is_dir() or path.is_file()):
        return Entry(path, status=SKIPPED, reason="neither a folder nor a regular file")
    if not (path.is_dir() or zipfile.is_zipfile(path) or path.suffix.lower() in (".zip", ".md")):
        return Entry(path, status=SKIPPED, reason="not a folder, a zip or a submission.md")
    named = upload_identity(path)
    if named:
        return Entry(path, *named)
    # Not named by the rule: the loader finds the submission.md header (or an upload folder inside).
    try:
        loaded = load_submission(path, pristine_manifest())
    except SubmissionError as e:
        return Entry(path, status=ERROR, reason=str(e))
    except Exception as e:                          # one odd entry never stops the batch
        return Entry(path, status=ERROR, reason=one_line(f"unexpected error: {type(e).__name__}: {e}"))
    if not loaded.student_id:
        return Entry(path, loaded.student_name, status=SKIPPED,
                     reason="no student id: the name is not <name>_<student id>_hw1_student and no "
                            "submission.md header gives one; rename it to grade it")
    return Entry(path, loaded.student_name, loaded.student_id)


def _with_keys(entries):
    """Give each gradable entry a distinct, deterministic folder key: its sanitised id, or, for entries
    sharing an id, the id and the entry's own name (both kept, both flagged)."""
    by_id = {}
    for e in entries:
        if e.student_id is not None and e.status == PENDING:
            by_id.setdefault(e.student_id, []).append(e.label)
    keyed, seen = [], set()
    for e in entries:
        if e.student_id is None or e.status != PENDING:
            keyed.append(e)
            continue
        shared = by_id[e.student_id]
        base = sanitise(e.student_id) if len(shared) == 1 else f"{sanitise(e.student_id)}-{sanitise(e.label)}"
        # Two ids can sanitise alike ("a/b", "a?b"), or differ only in case: the entry's name settles it.
        digest = hashlib.sha256(e.label.encode("utf-8", "surrogateescape")).hexdigest()
        candidates = [base[:MAX_KEY]] + [f"{base[:MAX_KEY - n - 1]}-{digest[:n]}" for n in (8, 16, 64)]
        key = next(k for k in candidates if k.casefold() not in seen)
        seen.add(key.casefold())
        keyed.append(Entry(e.path, e.name, e.student_id, key, e.status, e.reason,
                           tuple(n for n in shared if n != e.label)))
    return keyed


def sanitise(text):
    """``text`` as a safe folder name: runs of anything but letters, digits, ``_`` and ``-`` become ``_``."""
    return _UNSAFE.sub("_", text).strip("_") or "_"
