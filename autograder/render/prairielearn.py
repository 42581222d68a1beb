"""``results.json`` for PrairieLearn's external grader (https://prairielearn.readthedocs.io/en/latest/
externalGrading/, "Grading results"): a score in [0, 1], one test per check with its points, and
``gradable: false`` (no attempt used up) when the upload holds nothing to grade."""

import json

from regions import write_atomically

from .gradescope import submission_lines
from .text import check_title, explanation, one_line, verdict


def write_prairielearn_json(report, path, lang="en", gradable=True, succeeded=True):
    """Write the results to ``path`` (atomically), their words in ``lang``. ``gradable``: whether the upload
    held something to grade; ``succeeded``: whether the grader itself ran to the end."""
    lines = submission_lines(report, lang)
    results = {
        "succeeded": succeeded,
        "gradable": gradable,
        "score": round(report.score / report.max_score, 6) if report.max_score else 0.0,
        "max_points": report.max_score,
        "message": "\n".join(lines),
        "tests": [{"name": one_line(check_title(c, lang)), "points": round(c.points, 6),
                   "max_points": round(c.max_points, 6),
                   "message": verdict(c.status, lang),
                   "output": explanation(c, lang)} for c in report.checks],
    }
    if not gradable:
        results["format_errors"] = lines
    write_atomically(path, json.dumps(results, indent=1, ensure_ascii=False, allow_nan=False) + "\n")
