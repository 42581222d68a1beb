"""``python -m autograder VERB``: a thin command line over the autograder's API."""

import gc
import sys

# The verbs that run students' code. Their sandbox's fork server is started here, once, before anything
# else is imported, so that its own start (the sandbox's mode probe, then a process importing NumPy) runs
# on another core while this one imports the grader.
GRADING_VERBS = ("grade", "grade-all", "gradescope-run", "demo")

if sys.argv[1:2] and sys.argv[1] in GRADING_VERBS and not {"-h", "--help"} & set(sys.argv):
    from .runs import warm_up

    warm_up()

from .cli import main  # noqa: E402  (after the fork server's start)

status = main()
# The work is done and written: the interpreter's last garbage collections would only walk the objects of
# NumPy, rich and the grader to free memory the exit frees anyway. Frozen, they are skipped;
# atexit handlers (the fork server's stop), weakref finalizers and the flushing of stdout still run.
gc.freeze()
raise SystemExit(status)
