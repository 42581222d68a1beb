"""``run_gradescope(root)``: what ``run_autograder`` runs for each submission on Gradescope.

It grades ``<root>/submission`` and writes ``<root>/results/results.json``. Gradescope gives the student
no score and only "the autograder failed" when that file is missing, so one is written whatever
happens: when nothing can be graded (an empty upload, a corrupt zip, no package and no submission.md)
it holds every check of the rubric at 0 and the one-line reason, and when the grader itself fails it
says so (the traceback goes to stdout, which Gradescope shows to the course staff only).

``grade_into`` and ``read_settings`` are shared with the PrairieLearn grader (``autograder/prairielearn``).
"""

import importlib
import json
import time
import traceback
from pathlib import Path

from regions import PACKAGE, RegionError

from ..load import SubmissionError
from ..messages import LANGS, msg
from ..render.gradescope import VISIBILITIES, write_results_json
from ..report import FAILED, GradeReport, zero_section
from ..rubric import SECTIONS
from ..sandbox import Limits

SETTINGS = "settings.json"
GRADED, NOT_GRADABLE, GRADER_FAILED = "graded", "not gradable", "grader failed"
DEFAULTS = {"lang": "en", "visibility": "visible"}
_ALLOWED = {"lang": LANGS, "visibility": VISIBILITIES}


def read_settings(source):
    """What the TA chose when building (``source/settings.json``): {"lang", "visibility"}, each its
    default when unset or not one of its allowed values."""
    try:
        chosen = json.loads((Path(source) / SETTINGS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        chosen = {}
    chosen = chosen if isinstance(chosen, dict) else {}
    return {key: chosen[key] if chosen.get(key) in _ALLOWED[key] else value for key, value in DEFAULTS.items()}


def grade_upload(submission, timeout=Limits.timeout):
    """Grade the upload in ``submission``, whatever it holds: (GradeReport, GRADED | NOT_GRADABLE |
    GRADER_FAILED). Nothing gradable, or a failing grader, gives every check at 0 with the reason."""
    start = time.monotonic()
    try:
        # Looked up at call time, as in the CLI: tests put a fake grading core in its place.
        return importlib.import_module("autograder.grade").grade(submission, timeout=timeout), GRADED
    except (SubmissionError, RegionError) as e:
        reason = msg("gradescope:nothing_graded", error=str(e), how=msg("gradescope:how_to_submit", package=PACKAGE))
        return ungraded_report(submission, reason, start), NOT_GRADABLE
    except Exception:                                # the grader's own failure, never the student's
        traceback.print_exc()
        return ungraded_report(submission, msg("gradescope:grader_failed"), start), GRADER_FAILED


def run_gradescope(root, timeout=Limits.timeout, lang=None):
    """Grade ``root/submission`` into ``root/results/results.json`` (written atomically) and print the
    table on stdout, in ``lang`` (default: the zip's settings), with the zip's visibility.

    Returns 0 when results.json holds a grade, the student's fault or not (0 points when nothing could be
    graded); 1 when the grader failed, with a results.json that says so.
    """
    settings = read_settings(Path(root) / "source")
    lang = lang or settings["lang"]
    return grade_into(Path(root) / "submission", Path(root) / "results", timeout, lang,
                      lambda report, path, _: write_results_json(report, path, lang, settings["visibility"]))


def grade_into(submission, results, timeout, lang, write):
    """Grade ``submission`` (``grade_upload``), ``write(report, path, outcome)`` its results into
    ``results/results.json`` and print the table for the log, in ``lang``; returns 0, or 1 when the grader
    failed."""
    report, outcome = grade_upload(submission, timeout)
    results.mkdir(parents=True, exist_ok=True)
    write(report, results / "results.json", outcome)
    from ..render import render_terminal      # rich: for the log, once there is a report (not to build the zip)
    render_terminal(report, lang=lang)
    return int(outcome == GRADER_FAILED)


def ungraded_report(submission, reason, start):
    """A report with every check of the rubric at 0 and ``reason`` as its notice: Gradescope still learns
    the maximum, and the student sees what each check was worth."""
    sections = tuple(zero_section(s, FAILED, msg("gradescope:not_graded")) for s in SECTIONS)
    return GradeReport(str(submission), sections, (reason,), execution_time=round(time.monotonic() - start, 3))
