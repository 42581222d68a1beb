"""Grade a class: every entry of a folder, in parallel, resumable, one student's failure never the batch's.

Each student's results are written atomically as soon as they are graded; a student whose report.json
matches its entry and the grader is not graded again (unless ``force``, or ``only`` names them). The
gradebook, the similarity of the students' code and the summary are rebuilt at the end from the
report.json files, never appended to; each student's results.json and feedback.md are rendered again in
the language asked.
"""

import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                           TimeRemainingColumn)

from .. import grade as grading
from ..load import SubmissionError
from ..render.text import one_line
from . import similarity, store
from .entries import ERROR, GRADED, PENDING, discover
from .gradebook import write_gradebook
from .result import BatchResult, Row
from .summary import write_summary


def grade_all(folder, out, *, jobs=None, force=False, timeout=grading.DEFAULT_TIMEOUT, lang="en", only=None,
              threshold=None, console=None):
    """Grade every entry of ``folder`` into ``out``; returns a BatchResult.

    ``jobs`` submissions are graded at once (default: the number of CPUs), each section after section
    when ``jobs`` > 1 so the machine is not oversubscribed. ``only`` (student ids): grade those students
    again and no one else. ``threshold``: the similarity from which a pair of students is listed
    (default: ``similarity.THRESHOLD``). Progress goes to ``console`` (stderr by default; silent when it
    is not a terminal). Raises SubmissionError when ``folder`` is not a readable folder or ``only`` names
    an id no entry has, and OSError when ``out`` cannot be written; a problem with one entry is that
    entry's row.
    """
    start = time.monotonic()
    out = Path(out)
    entries = discover(folder, out)
    unknown = sorted(set(only or ()) - {e.student_id for e in entries})
    if unknown:
        raise SubmissionError(folder, f"no entry has the id {', '.join(unknown)} (given to --only)")
    out.mkdir(parents=True, exist_ok=True)
    store.remove_stale(out, entries)
    grader = store.grader_fingerprint(timeout)
    entries, todo = _plan(entries, out, grader, force, None if only is None else set(only))
    reused = sum(e.status == GRADED for e in entries)
    store.save_index(out, entries)
    jobs = jobs or os.cpu_count() or 1
    graded = _run(todo, out, grader, dict(timeout=timeout, jobs=1 if jobs > 1 else None), jobs, lang,
                  console or Console(stderr=True))
    entries = [graded.get(e.label, e) for e in entries]
    store.save_index(out, entries)
    rows = tuple(sorted((_row(out, e, lang) for e in entries), key=lambda r: (r.entry.student_id or "", r.entry.label)))
    pairs, threshold = similarity.compare(rows), similarity.THRESHOLD if threshold is None else threshold
    written = (write_gradebook(out / "gradebook.csv", rows, similarity.best_matches(pairs)),
               similarity.write_csv(out / similarity.CSV, pairs, threshold),
               *write_summary(out, rows, lang, pairs, threshold))
    return BatchResult(rows, len(graded), reused, written, round(time.monotonic() - start, 3))


def _plan(entries, out, grader, force, only):
    """(entries, [(entry, its fingerprint)] to grade): the pending entries already done become GRADED; with
    ``only`` (a set of ids), those students are graded again and the others left as they are."""
    planned, todo = [], []
    for e in entries:
        if e.status != PENDING:
            planned.append(e)
            continue
        try:
            fingerprint = store.entry_fingerprint(e.path)
        except OSError as error:
            reason = one_line(f"{e.path}: cannot be read ({error.strerror or error})")
            planned.append(replace(e, status=ERROR, reason=reason))
            continue
        stored = store.load(out / e.key)
        done = stored is not None and (stored.entry_fingerprint, stored.grader_fingerprint) == (fingerprint, grader)
        if only is not None and e.student_id not in only:
            planned.append(replace(e, status=GRADED) if done else
                           replace(e, reason="not graded yet: this run graded only the ids given to --only"))
        elif not force and only is None and done:
            planned.append(replace(e, status=GRADED))
        else:
            planned.append(e)
            todo.append((e, fingerprint))
    return planned, todo


def _run(todo, out, grader, options, jobs, lang, console):
    """Grade ``todo`` with ``jobs`` threads (the grading itself runs in sandboxed children) and a progress
    bar; returns {entry label: the entry with its new status}."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("failed {task.fields[failed]}"), TextColumn("{task.fields[rate]}/min"),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    finished, failed, start = {}, 0, time.monotonic()
    with Progress(*columns, console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("grading", total=len(todo), failed=0, rate="–")
        pool = ThreadPoolExecutor(max_workers=jobs)
        try:
            futures = [pool.submit(_grade_one, e, fingerprint, out, grader, options, lang) for e, fingerprint in todo]
            for future in as_completed(futures):
                entry = future.result()
                finished[entry.label] = entry
                failed += entry.status == ERROR
                rate = len(finished) / max(time.monotonic() - start, 1e-9) * 60
                progress.update(task, advance=1, failed=failed, rate=f"{rate:.1f}")
        finally:
            # On Ctrl-C, what has not started is dropped; what runs ends within its own limits.
            pool.shutdown(wait=True, cancel_futures=True)
    return finished


def _grade_one(entry, fingerprint, out, grader, options, lang):
    """Grade one entry and store its results; the entry comes back GRADED, or ERROR with the reason."""
    try:
        report = grading.grade(entry.path, **options)
        store.save(out / entry.key, report, fingerprint, grader, lang)
    except SubmissionError as e:
        return replace(entry, status=ERROR, reason=str(e))
    except Exception as e:                              # one entry's surprise is that entry's row only
        return replace(entry, status=ERROR, reason=one_line(f"unexpected error: {type(e).__name__}: {e}"))
    return replace(entry, status=GRADED)


def _row(out, entry, lang):
    """The entry's row, its report read back from report.json (the gradebook is built from what is on disk),
    its results.json and feedback.md rendered in ``lang``."""
    if entry.status != GRADED:
        return Row(entry)
    stored = store.load(out / entry.key)
    if stored is None:
        return Row(replace(entry, status=ERROR, reason=f"{out / entry.key / store.REPORT} is missing or unreadable"))
    store.render(out / entry.key, stored.report, lang)
    return Row(entry, stored.report)
