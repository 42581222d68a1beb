"""``results.json`` in Gradescope's autograder schema
(https://gradescope-autograders.readthedocs.io/en/latest/specs/), one test per check."""

import json

from make_submission import write_atomically

from ..messages import ending, msg
from ..report import PASSED
from .text import check_title, explanation, one_line, say, section_name, verdict

VISIBILITY = "visible"


def to_results_json(report, lang="en"):
    """The results as a JSON-ready dict, its words in ``lang``.

    Each test is named ``"<section>: <check>"``. Outputs are plain text (``output_format: "text"``), so
    nothing a student's message holds is rendered as HTML or markdown by Gradescope.
    """
    output = [say(n, lang) for n in report.notices]
    output += [f"{one_line(section_name(s.name, lang))}: {say(msg('render:ended', ending=ending(s.child)), lang)}"
               for s in report.sections if s.ended_abnormally]
    return {
        "score": report.score,
        "max_score": report.max_score,
        "execution_time": round(report.execution_time, 3),
        "output": "\n".join(output),
        "output_format": "text",
        "test_output_format": "text",
        "visibility": VISIBILITY,
        "tests": [_test(check, lang) for check in report.checks],
    }


def _test(check, lang):
    return {
        "name": one_line(check_title(check, lang)),
        "score": round(check.points, 6),
        "max_score": round(check.max_points, 6),
        "status": "passed" if check.status == PASSED else "failed",
        "output": "\n".join(x for x in (explanation(check, lang) or verdict(check.status, lang),
                                         say(check.timing, lang) if check.timing else "") if x),
        "visibility": VISIBILITY,
    }


def write_results_json(report, path, lang="en"):
    """Write ``to_results_json(report, lang)`` to ``path`` through a temporary file and a rename."""
    # allow_nan=False: a NaN score would make a file Gradescope cannot read; better no file and an error.
    text = json.dumps(to_results_json(report, lang), indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomically(path, text)
