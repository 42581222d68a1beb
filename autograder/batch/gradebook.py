"""``gradebook.csv``: one row per entry of the class folder, for Excel and for the course's records.

Columns: name, id, one per rubric section, total, status, note. UTF-8 with a BOM, so that Excel shows
Chinese names; points exactly as the rubric has them (``0.125``, not ``0.12``); text cells that a
spreadsheet would run as a formula are quoted with a leading ``'``.
"""

import csv
import io

from make_submission import write_atomically

from ..messages import ending
from ..render.text import one_line, points, say
from ..rubric import SECTIONS
from .entries import GRADED

DUPLICATE = "duplicate id"
NOTE_LIMIT = 300                    # characters; the student's feedback.md has the rest
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def columns():
    return ["name", "id", *(s.name for s in SECTIONS), "total", "status", "note"]


def write_gradebook(path, rows):
    """Write the gradebook of ``rows`` (already in gradebook order) to ``path`` atomically; returns ``path``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns())
    writer.writerows(_cells(row) for row in rows)
    write_atomically(path, buffer.getvalue().encode("utf-8-sig"))
    return path


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


def _cells(row):
    entry, report = row.entry, row.report
    if report is None:
        scores = [""] * (len(SECTIONS) + 1)
    else:
        by_name = {s.name: s.points for s in report.sections}
        scores = [points(by_name[s.name]) if s.name in by_name else "" for s in SECTIONS] + [points(report.score)]
    return [_text(entry.name), _text(entry.student_id), *scores, status(entry), _text(note(row))]


def _text(value):
    """A cell from text a student chose: one line, and never a formula."""
    text = one_line(value or "")
    return "'" + text if text.startswith(_FORMULA_START) else text
