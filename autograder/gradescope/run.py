"""``run_gradescope(root)``: what ``run_autograder`` runs for each submission on Gradescope.

It grades ``<root>/submission`` and writes ``<root>/results/results.json``. Gradescope gives the student
no score and only "the autograder failed" when that file is missing, so one is written whatever
happens: when nothing can be graded (an empty upload, a corrupt zip, no package and no submission.md)
it holds every check of the rubric at 0 and the one-line reason, and when the grader itself fails it
says so (the traceback goes to stdout, which Gradescope shows to the course staff only).
"""

import importlib
import json
import time
import traceback
from pathlib import Path

from make_submission import PACKAGE, RegionError

from ..load import SubmissionError
from ..messages import LANGS, msg
from ..render import write_results_json
from ..report import FAILED, NOT_RUN, CheckResult, GradeReport, SectionResult
from ..rubric import SECTIONS
from ..sandbox import Limits
from .build import SETTINGS

def settings_lang(root):
    """The language the TA built the zip for (``source/settings.json``), "en" when none is set."""
    try:
        lang = json.loads((Path(root) / "source" / SETTINGS).read_text(encoding="utf-8")).get("lang")
    except (OSError, ValueError, AttributeError):
        return "en"
    return lang if lang in LANGS else "en"


def run_gradescope(root, timeout=Limits.timeout, lang=None):
    """Grade ``root/submission`` into ``root/results/results.json`` (written atomically) and print the
    table on stdout, in ``lang`` (default: the zip's settings).

    Returns 0 when results.json holds a grade, the student's fault or not (0 points when nothing could be
    graded); 1 when the grader failed, with a results.json that says so.
    """
    root, start = Path(root), time.monotonic()
    lang = lang or settings_lang(root)
    submission, status = root / "submission", 0
    try:
        # Looked up at call time, as in the CLI: tests put a fake grading core in its place.
        report = importlib.import_module("autograder.grade").grade(submission, timeout=timeout)
    except (SubmissionError, RegionError) as e:
        reason = msg("gradescope:nothing_graded", error=str(e), how=msg("gradescope:how_to_submit", package=PACKAGE))
        report = ungraded_report(submission, reason, start)
    except Exception:                                # the grader's own failure, never the student's
        traceback.print_exc()
        report, status = ungraded_report(submission, msg("gradescope:grader_failed"), start), 1
    (root / "results").mkdir(parents=True, exist_ok=True)
    write_results_json(report, root / "results" / "results.json", lang)
    from ..render import render_terminal      # rich: for the log, once there is a report (not to build the zip)
    render_terminal(report, lang=lang)
    return status


def ungraded_report(submission, reason, start):
    """A report with every check of the rubric at 0 and ``reason`` as its notice: Gradescope still learns
    the maximum, and the student sees what each check was worth."""
    sections = tuple(
        SectionResult(s.name, s.points, tuple(CheckResult(s.name, c.name, 0.0, c.points, FAILED,
                                                          msg("gradescope:not_graded"))
                                              for c in s.checks), NOT_RUN)
        for s in SECTIONS)
    return GradeReport(str(submission), sections, (reason,), execution_time=round(time.monotonic() - start, 3))
