"""``results.json`` in Gradescope's autograder schema
(https://gradescope-autograders.readthedocs.io/en/latest/specs/), one test per check."""

import json

from make_submission import write_atomically

from ..report import PASSED
from .text import explanation, one_line, verdict

VISIBILITY = "visible"


def to_results_json(report):
    """The results as a JSON-ready dict.

    Each test is named ``"<section>: <check>"``. Outputs are plain text (``output_format: "text"``), so
    nothing a student's message holds is rendered as HTML or markdown by Gradescope.
    """
    output = [one_line(n) for n in report.notices]
    output += [f"{one_line(s.name)}: the graded code's run ended: {one_line(s.child)}"
               for s in report.sections if s.ended_abnormally]
    return {
        "score": report.score,
        "max_score": report.max_score,
        "execution_time": round(report.execution_time, 3),
        "output": "\n".join(output),
        "output_format": "text",
        "test_output_format": "text",
        "visibility": VISIBILITY,
        "tests": [_test(check) for check in report.checks],
    }


def _test(check):
    return {
        "name": one_line(check.title),
        "score": round(check.points, 6),
        "max_score": round(check.max_points, 6),
        "status": "passed" if check.status == PASSED else "failed",
        "output": explanation(check) or verdict(check.status),
        "visibility": VISIBILITY,
    }


def write_results_json(report, path):
    """Write ``to_results_json(report)`` to ``path`` through a temporary file and a rename."""
    # allow_nan=False: a NaN score would make a file Gradescope cannot read; better no file and an error.
    text = json.dumps(to_results_json(report), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomically(path, text)
