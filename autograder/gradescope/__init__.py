"""Grading on Gradescope: the autograder zip a TA uploads, and what it runs for each submission.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` once when it builds the
image, then ``run_autograder`` in a fresh container for each submission, as root; the student's files
are in ``/autograder/submission`` and the score is read from ``/autograder/results/results.json``
(https://gradescope-autograders.readthedocs.io/en/latest/specs/).
"""

from .build import build_autograder_zip
from .run import run_gradescope

__all__ = ["build_autograder_zip", "run_gradescope"]
