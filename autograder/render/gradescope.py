"""``results.json`` in Gradescope's autograder schema
(https://gradescope-autograders.readthedocs.io/en/latest/specs/), one test per check."""

import json

from regions import write_atomically

from ..messages import ending, msg
from ..report import NOTE, PASSED
from .text import check_title, explanation, one_line, say, section_name, verdict

# Gradescope's ``visibility`` values: when students see a test (and, at the top, the default of every test).
VISIBILITIES = ("visible", "after_due_date", "after_published", "hidden")


def to_results_json(report, lang="en", visibility="visible"):
    """The results as a JSON-ready dict, its words in ``lang``, every test shown to students as
    ``visibility`` says (one of VISIBILITIES).

    Each test is named ``"<section>: <check>"``. Outputs are plain text (``output_format: "text"``), so
    nothing a student's message holds is rendered as HTML or markdown by Gradescope.
    """
    return {
        "score": report.score,
        "max_score": report.max_score,
        "execution_time": round(report.execution_time, 3),
        "output": "\n".join(submission_lines(report, lang)),
        "output_format": "text",
        "test_output_format": "text",
        "visibility": visibility,
        "tests": [_test(check, lang, visibility) for check in report.checks],
    }


def submission_lines(report, lang="en"):
    """What a student reads about the whole submission, one line each: the notices, the sections whose run
    ended abnormally."""
    return [say(n, lang) for n in report.notices] + [
        f"{one_line(section_name(s.name, lang))}: {say(msg('render:ended', ending=ending(s.child)), lang)}"
        for s in report.sections if s.ended_abnormally]


def _test(check, lang, visibility):
    return {
        "name": one_line(check_title(check, lang)),
        "score": round(check.points, 6),
        "max_score": round(check.max_points, 6),
        # A note is advice worth 0 points: Gradescope shows it as passed, its words in the output.
        "status": "passed" if check.status in (PASSED, NOTE) else "failed",
        "output": explanation(check, lang) or verdict(check.status, lang),
        "visibility": visibility,
    }


def results_json_text(report, lang="en", visibility="visible"):
    """The text of results.json."""
    # allow_nan=False: a NaN score would make a file Gradescope cannot read; better no file and an error.
    return json.dumps(to_results_json(report, lang, visibility), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def write_results_json(report, path, lang="en", visibility="visible"):
    """Write ``results_json_text(report, lang, visibility)`` to ``path`` through a temporary file and a rename."""
    write_atomically(path, results_json_text(report, lang, visibility))
