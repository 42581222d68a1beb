"""``run_prairielearn(root)``: what the entrypoint runs for each submission on PrairieLearn.

It grades ``<root>/student`` and writes ``<root>/results/results.json`` (PrairieLearn does not make the
folder), whatever happens: an upload with nothing to grade is ``gradable: false`` with the reason (the
student keeps the attempt), a failing grader is ``succeeded: false`` (the traceback goes to the job's
log, which the course staff read). The table goes to the log too.
"""

from pathlib import Path

from ..gradescope.run import GRADED, GRADER_FAILED, grade_into, read_settings
from ..render.prairielearn import write_prairielearn_json
from ..sandbox import Limits


def run_prairielearn(root, timeout=Limits.timeout, lang=None):
    """Grade ``root/student`` into ``root/results/results.json``, in ``lang`` (default: the language the
    course files were built for). Returns 0, or 1 when the grader failed."""
    lang = lang or read_settings(Path(__file__).resolve().parents[2])["lang"]
    return grade_into(Path(root) / "student", Path(root) / "results", timeout, lang,
                      lambda report, path, outcome: write_prairielearn_json(
                          report, path, lang, gradable=outcome == GRADED, succeeded=outcome != GRADER_FAILED))
