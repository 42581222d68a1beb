"""Grading on PrairieLearn: the external grader a course puts into its course repository, and what it runs
for each submission (https://prairielearn.readthedocs.io/en/latest/externalGrading/).

PrairieLearn copies the question's ``serverFilesCourse`` folders into ``/grade/serverFilesCourse``, the
student's files into ``/grade/student``, runs the question's ``entrypoint`` in a container of its
``image``, and reads ``/grade/results/results.json``. Its images must be public, so the image holds only
Python and the pinned requirements; the grader, which holds the reference solution, travels in the
course's (private) ``serverFilesCourse/nnhw/``.
"""

from .. import lazy_exports

_EXPORTS = {"build_prairielearn": "build", "run_prairielearn": "run"}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
