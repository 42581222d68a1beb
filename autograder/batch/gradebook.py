"""``gradebook.csv``: one row per entry of the class folder, for Excel and for the course's records.

Columns: name, id, entry (its name in the class folder), one per rubric section, total, status, flags (what
the grader flags for the TA: loaded code, slow), seconds (the grading's wall-clock time), similarity (the
highest score of this student's code against another's, ``similarity.py``) and similar to (whose), note.
UTF-8 with a BOM, so that Excel shows Chinese names; points exactly as the rubric has them (``0.125``, not
``0.12``); text cells that a spreadsheet would run as a formula are quoted with a leading ``'``.
``similarity.csv`` is written the same way.
"""

import csv
import io

from regions import write_atomically

from ..messages import ending
from ..render.text import one_line, points, say
from ..rubric import SECTIONS
from .entries import GRADED

DUPLICATE = "duplicate id"
NOTE_LIMIT = 300                    # characters; the student's feedback.md has the rest
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


COLUMNS = ["name", "id", "entry", *(s.name for s in SECTIONS), "total", "status", "flags", "seconds", "similarity",
           "similar to", "note"]


def write_gradebook(path, rows, best=None):
    """Write the gradebook of ``rows`` (already in gradebook order) to ``path`` atomically; ``best``: {entry
    label: its most similar ``similarity.Pair``}. Returns ``path``."""
    best = best or {}
    return write_table(path, COLUMNS, [_cells(row, best.get(row.entry.label)) for row in rows])


def write_table(path, header, rows):
    """A CSV for Excel (UTF-8 with a BOM, CRLF), written atomically; returns ``path``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_atomically(path, buffer.getvalue().encode("utf-8-sig"))
    return path


def who(entry):
    """A student as a cell: "<id> <name>"."""
    return text_cell(" ".join(x for x in (entry.student_id, entry.name) if x))


def status(entry):
    """The status a TA filters on: graded, duplicate id (graded, but another entry has the id too), error,
    skipped."""
    return DUPLICATE if entry.status == GRADED and entry.duplicates else entry.status


def note(row):
    """One short line: why an entry was not graded, or what a TA should look at in a graded one."""
    entry, report, parts = row.entry, row.report, []
    if entry.duplicates:
        parts.append(f"id {entry.student_id} also in: {', '.join(entry.duplicates)}; this is {entry.label}")
    if report is None:
        parts.append(entry.reason or entry.label)
    else:
        parts += [f"{s.name}: {say(ending(s.child))}" for s in report.sections if s.ended_abnormally]
        if report.notices:
            parts.append(f"{len(report.notices)} notice(s) in feedback.md")
    return one_line("; ".join(parts), NOTE_LIMIT)


def _cells(row, pair):
    entry, report = row.entry, row.report
    if report is None:
        scores, seconds = [""] * (len(SECTIONS) + 1), ""
    else:
        by_name = {s.name: s.points for s in report.sections}
        scores = [points(by_name[s.name]) if s.name in by_name else "" for s in SECTIONS] + [points(report.score)]
        seconds = f"{report.execution_time:.2f}"
    other = pair and (pair.b if pair.a.entry.label == entry.label else pair.a)
    similar = [f"{pair.score:.2f}", who(other.entry)] if pair else ["", ""]
    flags = "; ".join(say(flag) for flag in report.flags) if report is not None else ""    # grade.py's, for the TA
    return [text_cell(entry.name), text_cell(entry.student_id), text_cell(entry.label), *scores, status(entry),
            text_cell(flags), seconds, *similar, text_cell(note(row))]


def text_cell(value):
    """A cell from text a student chose: one line, and never a formula."""
    text = one_line(value or "")
    return "'" + text if text.startswith(_FORMULA_START) else text
